"""Code values from the glossary and their bokmål labels for pages and e-mails.

The labels the submitter sees are marked for the catalogs (N_) and translated where shown."""
from __future__ import annotations

from shared.i18n import N_

COMPLAINT_CATEGORIES = {
    "noise": N_("Støy"),
    "house_rules": N_("Brudd på husordensregler"),
    "damage": N_("Skade"),
    "maintenance": N_("Vedlikehold"),
    "pests": N_("Skadedyr"),
    "payment": N_("Betaling"),
    "other": N_("Annet"),
}

SUBMITTER_ROLES = {
    "board": N_("Styret i borettslaget"),
    "resident": N_("Beboer"),
    "tenant": N_("Leietaker"),
    "other": N_("Annet"),
}

CASE_STATUSES = {
    "received": N_("Mottatt"),
    "routed": N_("Sendt til kontaktperson"),
    "acknowledged": N_("Under behandling"),
    "resolved": N_("Løst"),
    "rejected": N_("Avvist"),
}

CASE_TYPES = {
    "complaint": N_("Klage"),
    "acquisition": N_("Erverv"),
    "sublet": N_("Framleie"),
    "meeting_request": N_("Møteinnkalling"),
}

# The parties whose contacts may hold (be assigned) a case and act on it; a borettslag board never does.
CASE_HOLDERS = ("municipality", "association")
# The agreement's two parties; a borettslag board (cooperative) sits on the committee but is neither.
OTHER_PARTY = {"municipality": "association", "association": "municipality"}
PARTY_NAMES = {"municipality": N_("kommunen"), "association": N_("boligbyggelaget")}

# The directory's parties and the roles a contact of each may have (the handbook's selectors,
# shared/handbook.ROLES, pick among them), with their bokmål labels.
DIRECTORY_PARTIES = {"municipality": N_("Kommunen"), "association": N_("Boligbyggelaget"),
                     "cooperative": N_("Borettslag")}
CONTACT_ROLES = {
    "main_contact": N_("Kontaktperson"),
    "deputy_contact": N_("Stedfortreder"),
    "case_officer": N_("Saksbehandler"),
    "leader": N_("Leder"),
    "board": N_("Styret"),
}
PARTY_ROLES = {
    "municipality": ("main_contact", "deputy_contact", "case_officer", "leader"),
    "association": ("main_contact", "deputy_contact", "case_officer", "leader"),
    "cooperative": ("board",),
}
