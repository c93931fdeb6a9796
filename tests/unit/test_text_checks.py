"""The text fields' quick path (str.isprintable) refuses and keeps exactly what the
character-by-character rules do, for every character up to U+FFFF and the ones beyond that
matter (tags, private use, emoji)."""
from __future__ import annotations

import unicodedata

import pytest

from services.intake.schemas import BLANK_LETTERS, INVISIBLE_CATEGORIES, LINE_BREAK, Text, without_invisible

CHARACTERS = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF] + [
    "\U000E0041", "\U000F0000", "\U0001F600", "\U0001D400", "\ud800"]


def exactly_refused(text: str, multiline: bool) -> bool:
    if not multiline and LINE_BREAK.search(text):
        return True
    return any(
        unicodedata.category(char) in INVISIBLE_CATEGORIES or char in BLANK_LETTERS
        or (unicodedata.category(char) == "Cc" and not (multiline and char in "\n\t"))
        for char in text)


@pytest.mark.parametrize("multiline", [False, True])
def test_every_character_is_judged_as_the_rules_say(multiline: bool) -> None:
    field = Text(multiline=multiline)
    wrong = [f"U+{ord(char):04X}" for char in CHARACTERS
             if field._refused(f"Bråk i {char}3B") != exactly_refused(f"Bråk i {char}3B", multiline)]
    assert wrong == []


def test_invisible_characters_are_dropped_from_free_text_and_nothing_else() -> None:
    wrong = []
    for char in CHARACTERS:
        text = f"Hei\n\tpå {char}deg"
        expected = "".join(c for c in text if not (unicodedata.category(c) in INVISIBLE_CATEGORIES
                                                    or c in BLANK_LETTERS))
        if without_invisible(text) != expected:
            wrong.append(f"U+{ord(char):04X}")
    assert wrong == []
    assert without_invisible("Bråk\u200b om\u00ad natta\u3164") == "Bråk om natta"
