"""The languages the submitter meets: bokmål (the default), nynorsk and English (SPEC §9).

The message ids are the bokmål texts themselves: the templates stay readable as the pages they
are, bokmål needs no catalog of its own (its translation is the id), and a changed bokmål text
turns the nynorsk and English entries fuzzy, which tests/unit/test_catalogs.py refuses.

One catalog per language for the intake's pages and the notifier's e-mails together
(shared/translations/<language>/LC_MESSAGES/messages.po): the receipt page and the receipt
e-mail share their words, and the code lists (categories, statuses) are shared. The .po files
are compiled in memory once per process, so a clean clone needs no build step and no .mo file
can go stale; `make translations` extracts and updates them.
"""
from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
# The staff's languages (a contact's `language` in the directory): English is for submitters.
STAFF_LANGUAGES = ("nb", "nn")
# Each language's name in itself, for the language switch.
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"


def N_(text: str) -> str:
    """Marks a bokmål text for the catalogs where it is defined; it is translated where it is shown."""
    return text


class Term(str):
    """A message id given as an argument of another message (a party's name in a sentence): it is
    translated with the sentence."""

    __slots__ = ()


class Translatable(Exception):
    """A refusal whose message is a message id and its arguments: str() is the bokmål text (what the
    API answers), `text_in` the text in the reader's language (what a page shows)."""

    def __init__(self, message_id: str, **args: Any) -> None:
        super().__init__(message_id % args if args else message_id)
        self.message_id, self.message_args = message_id, args

    def text_in(self, language: str) -> str:
        """The message in `language` (a Term argument too)."""
        gettext = gettext_for(language).gettext
        args = {name: gettext(value) if isinstance(value, Term) else value for name, value in self.message_args.items()}
        translated = gettext(self.message_id)
        return translated % args if args else translated


def known_language(language: str | None) -> str:
    """`language` if we have it, else bokmål."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def staff_language(language: str | None) -> str:
    """A contact's `language` if staff may have it, else bokmål."""
    return language if language in STAFF_LANGUAGES else DEFAULT_LANGUAGE


def catalog_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    """The language's texts; bokmål (and anything unknown) is the message ids themselves."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(language: str | None) -> NullTranslations:
    return translations(known_language(language))
