"""The words the system itself writes onto a meeting, stored in bokmål: the fixed meetings' titles,
a requested meeting's title, the annual standing item, the place "to be agreed", and an agenda
item about a case ("Framleie FR-2027-0003 – Prestvannet borettslag").

They are stored as written (the API and the history keep bokmål), and shown in each reader's
language (SPEC §9) by `in_language`, which looks each one up as a message id, the way gettext
does: a title with its year, an item with its reference and borettslag, are translated word by
word around those. Anything a person wrote (a topic, a place, a decision) is shown as written.
"""
from __future__ import annotations

import re

from .i18n import DEFAULT_LANGUAGE, N_, gettext_for

ANNUAL_TITLES = {"spring": N_("Vårmøte i samarbeidsutvalget"), "autumn": N_("Høstmøte i samarbeidsutvalget")}
REQUESTED_TITLE = N_("Møte i samarbeidsutvalget (etter ønske)")
COOPERATION_ITEM = N_("Hvordan samarbeidet fungerer (samhandlingsavtalen)")
PLACE_TO_BE_AGREED = N_("Avtales i innkallingen (møterom eller Teams)")
# How an item about a case starts, before its reference and borettslag: the standing items (a
# complaint on them is late) and the ones a person adds (a complaint is named plainly).
CASE_ITEM_LABELS = {"acquisition": N_("Varsel om erverv"), "sublet": N_("Framleie"),
                    "complaint": N_("Forsinket klage")}
ADDED_ITEM_LABELS = {"acquisition": N_("Varsel om erverv"), "sublet": N_("Framleie"), "complaint": N_("Klage"),
                     "meeting_request": N_("Ønske om møte")}

_FIXED = frozenset({REQUESTED_TITLE, COOPERATION_ITEM, PLACE_TO_BE_AGREED})
_ANNUAL = re.compile(rf"({'|'.join(map(re.escape, ANNUAL_TITLES.values()))}) (\d{{4}})")
_LABELS = sorted({*CASE_ITEM_LABELS.values(), *ADDED_ITEM_LABELS.values()}, key=len, reverse=True)
_CASE_ITEM = re.compile(rf"({'|'.join(map(re.escape, _LABELS))}) ([A-Z]{{2}}-\d{{4}}-\d+)( – .*)?", re.DOTALL)


def in_language(stored: str, language: str) -> str:
    """A text stored on a meeting, in `language` when the system wrote it; as written when a person did."""
    if language == DEFAULT_LANGUAGE:
        return stored  # stored in bokmål
    gettext = gettext_for(language).gettext
    if stored in _FIXED:
        return gettext(stored)
    if annual := _ANNUAL.fullmatch(stored):
        return f"{gettext(annual[1])} {annual[2]}"
    if item := _CASE_ITEM.fullmatch(stored):
        return f"{gettext(item[1])} {item[2]}{item[3] or ''}"
    return stored
