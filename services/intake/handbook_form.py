"""The handbook's common fields as a form: read from a version's YAML, checked, and written back
into that YAML with ruamel.yaml's round trip, so every comment and every field the form does not
show stays as it was. Only a field whose value the user changed is written.

The form's format checks are here; the handbook's own rules (acknowledge before resolve, no board
as primary, known contacts, the meeting windows apart and with meeting days, a notice that leaves
room before a request's deadline) are the parser's and save_handbook's, and their problems are put
back at the form's fields by the field path each problem names.

The meetings' windows are written day.month in the form ("01.03", as Norwegians write a date) and
"MM-DD" in the YAML; a version without a `meetings:` section gets one only when a value changes.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from werkzeug.datastructures import MultiDict

from shared.handbook import (
    CONTACT_PREFIX,
    MAX_DAYS,
    MAX_NOTICE_DAYS,
    ROLES,
    WINDOW_KEYS,
    Handbook,
    Problem,
    month_day,
)
from shared.i18n import N_
from shared.vocabulary import CASE_TYPES, COMPLAINT_CATEGORIES

from .handbook_messages import in_norwegian

DAY_FIELDS = ("acknowledge_days", "resolve_days")
INHERIT = "arv"  # the checkbox "the same copies as complaints in general"
# The messages and labels are message ids (bokmål), shown in the page's language (SPEC §9).
DAYS_MESSAGE = N_("Skriv et helt antall virkedager fra 1 til %(most)s, eller la feltet stå tomt for ingen frist.")
FRACTION_MESSAGE = N_("Skriv et tall mellom 0 og 1, for eksempel 0,75.")
ROLE_MESSAGE = N_("Velg en av rollene i lista.")
NOTICE_MESSAGE = N_("Skriv et helt antall virkedager fra 1 til %(most)s.")
DAY_MONTH_MESSAGE = N_("Skriv dag og måned som DD.MM, for eksempel 01.03 for 1. mars (en dag som finnes hvert år).")
GENERAL = "skjema"  # a problem the form has no field for
NOTICE_FIELD = "meetings-minimum_notice_days"
WINDOW_NAMES = {"spring": N_("Vårmøtet"), "autumn": N_("Høstmøtet")}
ENDS = {"from": N_("fra og med"), "to": N_("til og med")}

_TYPE_LABELS = {"primary": N_("ansvarlig"), "copies": N_("kopi til"),
                "acknowledge_days": N_("frist for kvittering (virkedager)"),
                "resolve_days": N_("frist for å løse saken (virkedager)"),
                "reminder_fraction": N_("påminnelse (andel av fristen)")}


def type_field(case_type: str, key: str) -> str:
    return f"{case_type}-{key}"


def category_field(category: str, key: str) -> str:
    return f"complaint-{category}-{key}"


def window_field(window: str, end: str) -> str:
    """The field of a window's first or last day, e.g. meetings-spring_window-from."""
    return f"meetings-{WINDOW_KEYS[window]}-{end}"


def labels() -> dict[str, str]:
    """Every field's label for the error summary, in the form's order."""
    found = {type_field(t, key): f"{gettext(name)}: {gettext(words)}"
             for t, name in CASE_TYPES.items() for key, words in _TYPE_LABELS.items()}
    for category, name in COMPLAINT_CATEGORIES.items():
        about = gettext("Klage om %(category)s", category=gettext(name).lower())
        found[category_field(category, "primary")] = f"{about}: {gettext(_TYPE_LABELS['primary'])}"
        found[category_field(category, "copies")] = f"{about}: {gettext(_TYPE_LABELS['copies'])}"
    for window, name in WINDOW_NAMES.items():
        found |= {window_field(window, end): f"{gettext(name)}: {gettext(words)}" for end, words in ENDS.items()}
    found[NOTICE_FIELD] = gettext("Minste varsel før et møte (virkedager)")
    return {**found, GENERAL: gettext("Håndboka")}


def day_month(day: tuple[int, int]) -> str:
    """(3, 1) as the form shows it: "01.03"."""
    return f"{day[1]:02d}.{day[0]:02d}"


def role_options(handbook: Handbook) -> list[tuple[str, str]]:
    """The roles, and the named contacts the handbook already uses."""
    named = sorted({s.value for s in handbook.selectors if s.value.startswith(CONTACT_PREFIX)})
    return [*((value, gettext(words)) for value, words in ROLES.items()),
            *((value, gettext("navngitt kontaktperson %(email)s", email=value.removeprefix(CONTACT_PREFIX)))
              for value in named)]


# Reading and writing the YAML, comments kept.

def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096  # never fold a long line the user wrote
    yaml.preserve_quotes = True
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def _categories_of(document: Any) -> Mapping[str, Any]:
    categories = document["case_types"]["complaint"].get("categories")
    return categories if isinstance(categories, Mapping) else {}


def form_values(handbook: Handbook) -> dict[str, Any]:
    """The form as the version has it: the types' resolved rules, the categories' own layers."""
    values: dict[str, Any] = {}
    for case_type in CASE_TYPES:
        rule = handbook.rule_for(case_type)
        values |= {type_field(case_type, "primary"): rule.primary,
                   type_field(case_type, "copies"): list(rule.copies),
                   type_field(case_type, "reminder_fraction"): f"{rule.reminder_fraction:g}".replace(".", ",")}
        values |= {type_field(case_type, key): "" if getattr(rule, key) is None else str(getattr(rule, key))
                   for key in DAY_FIELDS}
    meetings = handbook.meetings
    for window in WINDOW_KEYS:
        first, last = meetings.windows[window]
        values |= {window_field(window, "from"): day_month(first), window_field(window, "to"): day_month(last)}
    values[NOTICE_FIELD] = str(meetings.minimum_notice_days)
    categories = _categories_of(_yaml().load(handbook.source))
    for category in COMPLAINT_CATEGORIES:
        layer = categories.get(category) or {}
        values[category_field(category, "primary")] = str(layer.get("primary", ""))
        values[category_field(category, "copies")] = [str(c) for c in layer.get("copies", [])]
        values[category_field(category, INHERIT)] = "copies" not in layer
    return values


def posted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form as posted, to check and to show again."""
    values: dict[str, Any] = {}
    for case_type in CASE_TYPES:
        for key in ("primary", "reminder_fraction", *DAY_FIELDS):
            values[type_field(case_type, key)] = form.get(type_field(case_type, key), "").strip()[:100]
        values[type_field(case_type, "copies")] = form.getlist(type_field(case_type, "copies"))[:20]
    for category in COMPLAINT_CATEGORIES:
        values[category_field(category, "primary")] = form.get(category_field(category, "primary"), "").strip()[:100]
        values[category_field(category, "copies")] = form.getlist(category_field(category, "copies"))[:20]
        values[category_field(category, INHERIT)] = bool(form.get(category_field(category, INHERIT)))
    for name in (*(window_field(w, end) for w in WINDOW_KEYS for end in ENDS), NOTICE_FIELD):
        values[name] = form.get(name, "").strip()[:100]
    return values


class _DayMonth(fields.Field[tuple[int, int]]):
    """"1.3", "01.03" or "01.03." as (month, day); 29 February is not a day every year has."""

    default_error_messages = {"invalid": DAY_MONTH_MESSAGE, "required": DAY_MONTH_MESSAGE, "null": DAY_MONTH_MESSAGE}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple[int, int]:
        found = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.?", value) if isinstance(value, str) else None
        try:
            day = dt.date(2001, int(found.group(2)), int(found.group(1))) if found else None
        except ValueError:
            day = None
        if day is None:
            raise self.make_error("invalid")
        return day.month, day.day


def _schema(options: Iterable[str]) -> Schema:
    """The form's schema, its messages in the page's language (built per request)."""
    role_message, fraction_message = gettext(ROLE_MESSAGE), gettext(FRACTION_MESSAGE)
    days_message = gettext(DAYS_MESSAGE, most=MAX_DAYS)
    notice_message = gettext(NOTICE_MESSAGE, most=MAX_NOTICE_DAYS)
    role = validate.OneOf(list(options), error=role_message)
    days = {"allow_none": True, "validate": validate.Range(1, MAX_DAYS, error=days_message),
            "error_messages": {"invalid": days_message}}
    spec: dict[str, fields.Field[Any]] = {}
    for case_type in CASE_TYPES:
        spec[type_field(case_type, "primary")] = fields.String(
            required=True, validate=role, error_messages={"required": role_message})
        spec[type_field(case_type, "copies")] = fields.List(fields.String(validate=role))
        spec |= {type_field(case_type, key): fields.Integer(**days) for key in DAY_FIELDS}  # type: ignore[arg-type]
        spec[type_field(case_type, "reminder_fraction")] = fields.Float(
            required=True, validate=validate.Range(0, 1, min_inclusive=False, max_inclusive=False,
                                                   error=fraction_message),
            error_messages={"invalid": fraction_message, "required": fraction_message})
    for category in COMPLAINT_CATEGORIES:
        spec[category_field(category, "primary")] = fields.String(allow_none=True, validate=role)
        spec[category_field(category, "copies")] = fields.List(fields.String(validate=role))
    day_month_message = gettext(DAY_MONTH_MESSAGE)
    spec |= {window_field(w, end): _DayMonth(required=True, error_messages=dict.fromkeys(
        ("invalid", "required", "null"), day_month_message)) for w in WINDOW_KEYS for end in ENDS}
    spec[NOTICE_FIELD] = fields.Integer(
        required=True, strict=False, validate=validate.Range(1, MAX_NOTICE_DAYS, error=notice_message),
        error_messages={"invalid": notice_message, "required": notice_message, "null": notice_message})
    return Schema.from_dict(spec)()


def checked(values: Mapping[str, Any], options: Iterable[str]) -> dict[str, Any]:
    """The form's values as the handbook holds them; ValidationError with a message per field."""
    loadable: dict[str, Any] = {}
    for name, value in values.items():
        if name.endswith("-" + INHERIT):
            continue
        if name.startswith("meetings-"):
            value = value or None  # blank: required, said at the field
        elif name.endswith(DAY_FIELDS) or name.endswith("-primary") and name.count("-") == 2:
            value = value or None  # blank: no deadline; a category's blank primary: as the type's
        elif name.endswith("reminder_fraction"):
            value = value.replace(",", ".").replace(" ", "")
        loadable[name] = value
    try:
        data: dict[str, Any] = _schema(options).load(loadable)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {GENERAL: error.messages}
        raise ValidationError({name: _texts(texts) for name, texts in messages.items()}) from None
    for category in COMPLAINT_CATEGORIES:
        data[category_field(category, INHERIT)] = values[category_field(category, INHERIT)]
    return data


def _texts(messages: Any) -> list[str]:
    """A field's messages, the list's items' messages among them, each once."""
    if isinstance(messages, dict):
        return list(dict.fromkeys(text for inner in messages.values() for text in _texts(inner)))
    return [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]


def _flow(items: Iterable[str]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _set(layer: CommentedMap, key: str, value: Any, current: Any) -> None:
    """Write `value` when it is not the rule's `current` one, so an unchanged field stays as written."""
    if value != current:
        layer[key] = _flow(value) if isinstance(value, list) else value


def apply(handbook: Handbook, data: Mapping[str, Any]) -> str:
    """The version's YAML with the form's changes written into it."""
    yaml = _yaml()
    document = yaml.load(handbook.source)
    for case_type in CASE_TYPES:
        rule, layer = handbook.rule_for(case_type), document["case_types"][case_type]["default"]
        for key in ("primary", "copies", "reminder_fraction", *DAY_FIELDS):
            current = list(rule.copies) if key == "copies" else getattr(rule, key)
            _set(layer, key, data[type_field(case_type, key)], current)
    _apply_categories(document["case_types"]["complaint"], data)
    _apply_meetings(document, handbook, data)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _apply_categories(complaint: CommentedMap, data: Mapping[str, Any]) -> None:
    categories = complaint.get("categories")
    if not isinstance(categories, CommentedMap):
        categories = complaint["categories"] = CommentedMap()
    for category in COMPLAINT_CATEGORIES:
        layer = categories.get(category)
        layer = layer if isinstance(layer, CommentedMap) else CommentedMap()
        primary, copies = data[category_field(category, "primary")], data[category_field(category, "copies")]
        own_copies = None if data[category_field(category, INHERIT)] else copies
        for key, value in (("primary", primary), ("copies", own_copies)):
            if value is None:
                layer.pop(key, None)
            elif layer.get(key) != value:
                layer[key] = _flow(value) if isinstance(value, list) else value
        if layer:
            categories[category] = layer
            categories.fa.set_block_style()
        else:
            categories.pop(category, None)


def _apply_meetings(document: CommentedMap, handbook: Handbook, data: Mapping[str, Any]) -> None:
    """The changed windows and notice into `meetings:`, made (at the end) only when something changed."""
    current = handbook.meetings
    changes: dict[str, Any] = {}
    for window, key in WINDOW_KEYS.items():
        wanted = (data[window_field(window, "from")], data[window_field(window, "to")])
        if wanted != current.windows[window]:
            changes[key] = wanted
    if data[NOTICE_FIELD] != current.minimum_notice_days:
        changes["minimum_notice_days"] = data[NOTICE_FIELD]
    if not changes:
        return
    section = document.get("meetings")
    if not isinstance(section, CommentedMap):
        section = document["meetings"] = CommentedMap()
    for key, value in changes.items():
        if key == "minimum_notice_days":
            section[key] = value
            continue
        days = section.get(key)
        if not isinstance(days, CommentedMap):
            days = section[key] = CommentedMap()
        for end, day in zip(ENDS, value, strict=True):
            days[end] = DoubleQuotedScalarString(month_day(day))


_PATH = re.compile(r"case_types\.(\w+)\.(?:default|categories\.(\w+))\.(\w+)")
_MEETINGS_PATH = re.compile(r"meetings\.(\w+?)(?:\.(from|to))?")


def problems_at_fields(problems: Iterable[Problem]) -> dict[str, list[str]]:
    """The handbook's problems with the form's text, each at the form field its path names."""
    known = labels()
    errors: dict[str, list[str]] = {}
    for problem in problems:
        where, _, reason = problem.reason.partition(": ")
        found, meeting = _PATH.match(where), _MEETINGS_PATH.fullmatch(where)
        name = GENERAL
        if found:
            case_type, category, key = found.groups()
            candidate = category_field(category, key) if category else type_field(case_type, key)
            name = candidate if candidate in known else GENERAL
        elif meeting:  # a window's own problem (overlap, no meeting day) at its first day's field
            key, end = meeting.groups()
            candidate = f"meetings-{key}-{end or 'from'}" if key in WINDOW_KEYS.values() else f"meetings-{key}"
            name = candidate if candidate in known else GENERAL
        errors.setdefault(name, []).append(in_norwegian(reason if name != GENERAL else problem.reason))
    return ordered(errors)


def ordered(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The field messages in the form's order, for the error summary."""
    order = list(labels())
    return dict(sorted(errors.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
