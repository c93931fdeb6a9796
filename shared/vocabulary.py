"""Code values from the glossary and their bokmål labels for pages and e-mails."""
from __future__ import annotations

COMPLAINT_CATEGORIES = {
    "noise": "Støy",
    "house_rules": "Brudd på husordensregler",
    "damage": "Skade",
    "maintenance": "Vedlikehold",
    "pests": "Skadedyr",
    "payment": "Betaling",
    "other": "Annet",
}

SUBMITTER_ROLES = {
    "board": "Styret i borettslaget",
    "resident": "Beboer",
    "tenant": "Leietaker",
    "other": "Annet",
}

CASE_STATUSES = {
    "received": "Mottatt",
    "routed": "Sendt til kontaktperson",
    "acknowledged": "Under behandling",
    "resolved": "Løst",
    "rejected": "Avvist",
}

CASE_TYPES = {
    "complaint": "Klage",
    "acquisition": "Erverv",
    "sublet": "Framleie",
    "meeting_request": "Møteinnkalling",
}

# The parties whose contacts may hold (be assigned) a case and act on it; a borettslag board never does.
CASE_HOLDERS = ("municipality", "association")
# The agreement's two parties; a borettslag board (cooperative) sits on the committee but is neither.
OTHER_PARTY = {"municipality": "association", "association": "municipality"}
PARTY_NAMES = {"municipality": "kommunen", "association": "boligbyggelaget"}

# The directory's parties and the roles a contact of each may have (the handbook's selectors,
# shared/handbook.ROLES, pick among them), with their bokmål labels.
DIRECTORY_PARTIES = {"municipality": "Kommunen", "association": "Boligbyggelaget", "cooperative": "Borettslag"}
CONTACT_ROLES = {
    "main_contact": "Kontaktperson",
    "deputy_contact": "Stedfortreder",
    "case_officer": "Saksbehandler",
    "leader": "Leder",
    "board": "Styret",
}
PARTY_ROLES = {
    "municipality": ("main_contact", "deputy_contact", "case_officer", "leader"),
    "association": ("main_contact", "deputy_contact", "case_officer", "leader"),
    "cooperative": ("board",),
}
