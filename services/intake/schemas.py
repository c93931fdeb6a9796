"""Format checks at the edge: one marshmallow schema per request body, messages in bokmål.

The messages are the catalogs' message ids (shared.i18n.N_); the public form and API translate
them where they are shown, and the ones marshmallow formats are Message, translated first."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from email_validator import EmailNotValidError, ValidatedEmail, validate_email
from flask import current_app
from flask_babel import gettext
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates
from stdnum.no import orgnr as orgnr_checker

from shared.calendar import local_today
from shared.i18n import LANGUAGES, N_
from shared.vocabulary import COMPLAINT_CATEGORIES, SUBMITTER_ROLES

# A field's error_messages, as marshmallow types them (a dict is invariant in its values).
ErrorMessages = dict[str, str | list[Any] | dict[Any, Any]]
REQUIRED: ErrorMessages = {"required": N_("Feltet må fylles ut."), "null": N_("Feltet må fylles ut.")}
DATE_ERRORS: ErrorMessages = {**REQUIRED, "invalid": N_("Datoen må skrives som ÅÅÅÅ-MM-DD.")}
LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
# Zero-width characters, bidi overrides and isolates, the BOM, soft hyphens (Unicode category Cf),
# lone surrogates (Cs) and the Hangul fillers, letters that print as nothing: they hide or reorder
# what a reader sees, and a name of nothing but them is no name.
INVISIBLE_CATEGORIES = {"Cf", "Cs"}
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
MULTILINE_CONTROLS_ALLOWED = frozenset("\n\t")
NOT_ALLOWED = N_("Inneholder tegn som ikke er tillatt (linjeskift, kontrolltegn eller usynlige tegn).")


class Message(str):
    """A message id with {placeholders} that marshmallow fills in: translated before it is filled."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> str:
        translated: str = gettext(str(self))
        return translated.format(*args, **kwargs)


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in INVISIBLE_CATEGORIES or char in BLANK_LETTERS


def printable(text: str, *, multiline: bool) -> bool:
    """True when `text` (with its line breaks and tabs, if `multiline`) has no character that is
    not printable: then it has no control (Cc), format (Cf) or surrogate (Cs) character, which
    all count as not printable, and the character-by-character checks can be skipped (str's own
    check runs in C). Other text (a no-break space, say) takes the exact checks."""
    if multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return text.isprintable()


def without_invisible(text: str) -> str:
    if printable(text, multiline=True) and BLANK_LETTERS.isdisjoint(text):
        return text
    return "".join(char for char in text if not is_invisible(char))


def is_control(char: str, *, multiline: bool) -> bool:
    return unicodedata.category(char) == "Cc" and not (multiline and char in MULTILINE_CONTROLS_ALLOWED)


class Text(fields.String):
    """A trimmed NFC string without control or invisible characters; `multiline` allows line
    breaks and tabs, and drops invisible characters (pasted text carries them) instead of refusing."""

    default_error_messages = {**REQUIRED, "invalid": N_("Må være tekst.")}

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs))
        if self.multiline:
            text = without_invisible(text.replace("\r\n", "\n"))  # browsers send CRLF
        text = text.strip()
        if not without_invisible(text).strip():  # nothing a reader would see
            if self.required:
                raise self.make_error("required")
            return ""
        if self._refused(text):
            raise ValidationError(NOT_ALLOWED)
        return text

    def _refused(self, text: str) -> bool:
        if not self.multiline and LINE_BREAK.search(text):
            return True
        if printable(text, multiline=self.multiline):
            return not BLANK_LETTERS.isdisjoint(text)
        return any(is_invisible(char) or is_control(char, multiline=self.multiline) for char in text)


def today() -> dt.date:
    """Today in the agreement's time zone."""
    return local_today(current_app.config["SETTINGS"].tz_name)


def _length(minimum: int | None, maximum: int) -> validate.Length:
    if minimum:
        return validate.Length(
            min=minimum, max=maximum, error=Message("Må være mellom {min} og {max} tegn.")
        )
    return validate.Length(max=maximum, error=Message("Kan ikke være lengre enn {max} tegn."))


def valid_orgnr(value: str) -> None:
    if not re.fullmatch(r"\d{9}", value):
        raise ValidationError(N_("Organisasjonsnummeret må ha 9 sifre."))
    if not orgnr_checker.is_valid(value):
        raise ValidationError(N_("Organisasjonsnummeret er ikke gyldig (kontrollsifferet stemmer ikke)."))


NON_ASCII_LOCAL_PART = N_(
    "E-postadressen kan ikke ha æ, ø, å eller andre spesialtegn foran @, for den kan vi ikke sende "
    "e-post til. Bruk en adresse med bare a–z, tall og . _ - + foran @."
)


def checked_email(value: str) -> ValidatedEmail:
    """An address every relay takes: the part before @ in ASCII (an international one needs
    SMTPUTF8, which many relays lack); an international domain is fine, as punycode."""
    if not value.rpartition("@")[0].isascii():
        raise ValidationError(NON_ASCII_LOCAL_PART)
    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValidationError(N_("E-postadressen er ikke gyldig.")) from None


def valid_email(value: str) -> None:
    checked_email(value)


class Email(Text):
    """An e-mail address, stored as mail is sent to it: `ola@bøler.no` → `ola@xn--bler-gra.no`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return text
        return checked_email(text).ascii_email or text


class OrgNumber(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return re.sub(r"\s", "", super()._deserialize(value, attr, data, **kwargs))


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": N_("Ukjent felt."), "type": N_("Må være et JSON-objekt.")}

    @post_load
    def _blank_optional_is_none(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        for name, field in self.fields.items():
            if not field.required and data.get(name) == "":
                data[name] = None
        return data


class SubmitterSchema(StrictSchema):
    name = Text(required=True, validate=_length(1, 200))
    email = Email(required=True, validate=_length(None, 254))
    phone = Text(
        load_default=None,
        validate=validate.Regexp(r"^\+?[0-9 ()-]{5,20}$", error=N_("Telefonnummeret er ikke gyldig.")),
    )
    role = Text(
        required=True,
        validate=validate.OneOf(list(SUBMITTER_ROLES), error=Message("Velg en av: {choices}.")),
    )


class ComplaintSchema(StrictSchema):
    cooperative_orgnr = OrgNumber(required=True, validate=valid_orgnr)
    share_number = Text(load_default=None, validate=_length(None, 20))
    address = Text(load_default=None, validate=_length(None, 200))
    category = Text(
        required=True,
        validate=validate.OneOf(list(COMPLAINT_CATEGORIES), error=Message("Velg en av: {choices}.")),
    )
    description = Text(required=True, multiline=True, validate=_length(10, 5000))
    submitter = fields.Nested(
        SubmitterSchema, required=True, error_messages={**REQUIRED, "type": N_("Må være et objekt.")}
    )
    occurred_on = fields.Date(
        load_default=None, error_messages={"invalid": N_("Datoen må skrives som ÅÅÅÅ-MM-DD.")}
    )
    # The submitter's language for the e-mails (nb, nn, en); the API's default is Accept-Language's.
    language = Text(load_default=None, validate=validate.OneOf(LANGUAGES, error=Message("Velg en av: {choices}.")))

    @validates("occurred_on")
    def _not_in_future(self, value: dt.date | None, **_: Any) -> None:
        if value is not None and value > today():
            raise ValidationError(N_("Datoen kan ikke være frem i tid."))


class SubmittedSchema(Schema):
    reference = fields.String()
    status = fields.String()
    tracking_url = fields.String()
