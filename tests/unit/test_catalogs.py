"""Every message of the pages and e-mails has a nynorsk and an English translation, none fuzzy,
each keeping its placeholders; and the catalogs hold every message the code and templates use."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES, TRANSLATIONS, catalog_path

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def catalog(language: str):
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def extracted(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
         "-k", "Message", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as template:
        return read_po(template)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    messages = [message for message in catalog(language) if message.id]
    assert len(messages) > 100
    untranslated = [message.id for message in messages if not all(forms(message.string))]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert untranslated == [] and fuzzy == []


def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's text, or each of a plural message's forms (ngettext)."""
    return (text,) if isinstance(text, str) else tuple(text)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_their_placeholders(language):
    for message in catalog(language):
        if message.id:
            wanted = sorted(PLACEHOLDER.findall(forms(message.id)[-1]))  # a plural's: its plural form's
            for text in forms(message.string):
                assert sorted(PLACEHOLDER.findall(text)) == wanted, message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_holds_every_message_the_code_uses(language, tmp_path):
    """A text wrapped in _() but never run through `make translations` would show in bokmål."""
    used = {message.id for message in extracted(tmp_path) if message.id}
    assert len(used) > 100  # the extraction found the sources
    held = {message.id for message in catalog(language) if message.id}
    assert used - held == set()


def test_the_catalogs_are_where_the_loader_looks():
    assert sorted(path.name for path in TRANSLATIONS.iterdir() if path.is_dir()) == sorted(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_message_is_defined_twice(language):
    """Two entries for one message id (two branches adding the same word) are read as one, the
    last, silently; gettext's own msgfmt refuses the file."""
    text = catalog_path(language).read_text(encoding="utf-8")
    ids = re.findall(r'^(?:msgctxt ("(?:[^"\\]|\\.)*")\n)?msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)', text, flags=re.M)
    seen: set[tuple[str, str]] = set()
    twice = [msgid for context, msgid in ids if (context, msgid) in seen or seen.add((context, msgid))]
    assert twice == []
