"""The directory's CSV files: borettslag and contacts, read and written in one place.

The demo loader (shared/demo.py) and the workspace's import and export use these, so a file the
demo ships, a file Excel saves in Norway (UTF-8 with a BOM, semicolons) and a file the export
writes are read the same way. Each row becomes the model's column values, or a RowError saying
which field is wrong and why, in bokmål.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stdnum.exceptions import ValidationError as NumberError
from stdnum.no import orgnr as orgnr_checker

from .i18n import N_, STAFF_LANGUAGES
from .models import BORETTSLAG, PERCENT, SAMEIE, UNITS, Contact, Cooperative

COOPERATIVE_COLUMNS = ("orgnr", "name", "address", "postcode", "city", "homes", "municipality_owned",
                       "association_contact")
CONTACT_COLUMNS = ("email", "name", "party", "role", "organisation", "deputy", "leader", "committee_member")
# Columns a file may leave out: a one-agreement directory of borettslag without bylaws' figures needs none.
COOPERATIVE_OPTIONAL = ("agreement", "kind", "sections", "bylaws_public_cap", "bylaws_public_cap_unit")
CONTACT_OPTIONAL = ("agreements", "language")  # agreement numbers separated by spaces; nb or nn
# What the contacts' export writes and the workspace's import reads besides CONTACT_COLUMNS.
CONTACT_EXTRA = CONTACT_OPTIONAL
AGREEMENT_COLUMNS = ("id", "name", "municipality", "association")
YES, NO = "yes", "no"
_BOOLEANS = {YES: True, "ja": True, NO: False, "nei": False, "": False}
# A cell a spreadsheet would run as a formula (CSV injection); refused on import, so never exported.
_FORMULA_START = ("=", "+", "@", "\t", "\r")

# Bokmål names of the fields (message ids), for the preview's messages and the pages' column headings.
FIELD_LABELS = {
    "orgnr": N_("Organisasjonsnummer"), "name": N_("Navn"), "address": N_("Adresse"), "postcode": N_("Postnummer"),
    "city": N_("Poststed"), "homes": N_("Boliger"), "municipality_owned": N_("Kommunens boliger"),
    "association_contact": N_("Saksbehandler i boligbyggelaget"), "email": N_("E-post"), "party": N_("Part"),
    "role": N_("Rolle"), "organisation": N_("Organisasjon"), "deputy": N_("Stedfortreder"), "leader": N_("Leder"),
    "committee_member": N_("Medlem av samarbeidsutvalget"), "agreement": N_("Avtale"), "agreements": N_("Avtaler"),
    "kind": N_("Boligtype"), "sections": N_("Seksjoner"),
    "bylaws_public_cap": N_("Vedtektenes tak for offentlige eiere"),
    "bylaws_public_cap_unit": N_("Enhet for vedtektenes tak"), "language": N_("Språk"),
}


class Problem(ValueError):
    """A message id of the shared catalog (bokmål) and its arguments; str() is the bokmål text, and
    in_language() the text in another language (the workspace's import shows it in the user's). An
    argument named `field` is a field's label (FIELD_LABELS), itself translated."""

    def __init__(self, message: str, **values: object) -> None:
        self.message, self.values = message, values
        super().__init__(message % values if values else message)

    def in_language(self, gettext: Callable[..., str]) -> str:
        values = {key: gettext(value) if key == "field" else value for key, value in self.values.items()}
        return str(gettext(self.message, **values))


class FileError(Problem):
    """The file as a whole cannot be read (encoding, no header, a required column missing)."""


class RowError(Problem):
    """One field of one row is wrong; the message names the field."""


@dataclass(frozen=True)
class Table:
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, the row's cells stripped)
    ignored_columns: tuple[str, ...]  # columns in the file that the directory does not use
    too_wide: dict[int, Problem]  # line → why: more cells than the header, so every value may be shifted


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte order mark (Excel writes one)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(N_("Filen er ikke lagret som UTF-8. Velg «CSV UTF-8» når du lagrer i Excel.")) from error


def read_table(text: str, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> Table:
    """The rows of a comma- or semicolon-separated file whose header names every column; an
    `optional` column the header leaves out reads as empty cells."""
    text = text.removeprefix("\ufeff")
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    if not any(header):
        raise FileError(N_("Filen er tom. Første linje skal være kolonnenavnene."))
    missing = [name for name in columns if name not in header]
    if missing:
        raise FileError(N_("Filen mangler kolonnen «%(missing)s». Første linje skal være: %(header)s")
                        if len(missing) == 1 else
                        N_("Filen mangler kolonnene «%(missing)s». Første linje skal være: %(header)s"),
                        missing="», «".join(missing), header=";".join(columns))
    rows, too_wide = [], {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # Excel's empty lines
        if len(cells) > len(header):
            too_wide[reader.line_num] = Problem(N_("Linjen har %(cells)s felt, men første linje har %(header)s. "
                                                   "Står det skilletegn i en verdi, må verdien stå i anførselstegn."),
                                                cells=len(cells), header=len(header))
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        rows.append((reader.line_num, {name: values.get(name, "") for name in (*columns, *optional)}))
    known = (*columns, *optional)
    return Table(rows, tuple(name for name in header if name and name not in known), too_wide)


def _text(row: Mapping[str, str], name: str, *, required: bool = False, limit: int = 200) -> str:
    value = row[name]
    if required and not value:
        raise RowError(N_("%(field)s mangler."), field=FIELD_LABELS[name])
    if value.startswith(_FORMULA_START):
        raise RowError(N_("%(field)s kan ikke begynne med =, + eller @ (et regneark leser det som en formel)."),
                       field=FIELD_LABELS[name])
    if len(value) > limit:
        raise RowError(N_("%(field)s er lengre enn %(limit)s tegn."), field=FIELD_LABELS[name], limit=limit)
    return value


def _email(row: Mapping[str, str], name: str, *, required: bool = False) -> str | None:
    value = _text(row, name, required=required, limit=254).lower()
    if value and ("@" not in value.strip("@") or " " in value):
        raise RowError(N_("%(field)s «%(value)s» er ikke en e-postadresse."), field=FIELD_LABELS[name], value=value)
    return value or None


def _count(row: Mapping[str, str], name: str) -> int:
    value = row[name]
    if not value.isdigit() or len(value) > 6:
        raise RowError(N_("%(field)s må være et helt tall, ikke «%(value)s»."), field=FIELD_LABELS[name], value=value)
    return int(value)


def orgnr(value: str) -> str:
    """A valid organisasjonsnummer with its mod-11 check digit, spaces removed."""
    try:
        return str(orgnr_checker.validate(value))
    except NumberError as error:
        raise RowError(N_("Organisasjonsnummeret «%(value)s» er ugyldig: det må ha 9 siffer med riktig "
                          "kontrollsiffer."), value=value) from error


def cooperative_values(row: Mapping[str, str]) -> dict[str, object]:
    """A borettslag's column values from a row (shared.models.Cooperative)."""
    values: dict[str, object] = {
        "orgnr": orgnr(_text(row, "orgnr", required=True)),
        "name": _text(row, "name", required=True),
        "address": _text(row, "address"),
        "postcode": _text(row, "postcode", limit=4),
        "city": _text(row, "city", limit=100),
        "homes": _count(row, "homes"),
        "municipality_owned": _count(row, "municipality_owned"),
        "association_contact": _email(row, "association_contact"),
    }
    if values["postcode"] and not str(values["postcode"]).isdigit():
        raise RowError(N_("Postnummer «%(value)s» må være fire siffer."), value=values["postcode"])
    if int(str(values["municipality_owned"])) > int(str(values["homes"])):
        raise RowError(N_("Kommunens boliger (%(owned)s) er flere enn boligene i borettslaget (%(homes)s)."),
                       owned=values["municipality_owned"], homes=values["homes"])
    return values | _housing_values(row)


def _housing_values(row: Mapping[str, str]) -> dict[str, object]:
    """The optional columns: the agreement, borettslag or sameie, and the bylaws' cap on public owners."""
    values: dict[str, object] = {}
    if row.get("agreement"):
        values["agreement_id"] = _count(row, "agreement")
    kind = row.get("kind", "").lower()
    if kind:
        if kind not in (BORETTSLAG, SAMEIE):
            raise RowError(N_("Boligtype må være «%(first)s» eller «%(second)s», ikke «%(value)s»."),
                           first=BORETTSLAG, second=SAMEIE, value=kind)
        values["kind"] = kind
    if row.get("sections"):
        values["sections"] = _count(row, "sections")
    unit = row.get("bylaws_public_cap_unit", "").lower()
    if row.get("bylaws_public_cap"):
        if unit not in (PERCENT, UNITS):
            raise RowError(N_("Enhet for vedtektenes tak må være «%(first)s» eller «%(second)s», ikke "
                              "«%(value)s»."),
                           first=PERCENT, second=UNITS, value=unit)
        values |= {"bylaws_public_cap": _count(row, "bylaws_public_cap"), "bylaws_public_cap_unit": unit}
    return values


def agreement_numbers(row: Mapping[str, str]) -> list[int]:
    """The agreements a contact's row names (spaces between), none when the column is empty."""
    numbers = row.get("agreements", "").split()
    if not all(number.isdigit() for number in numbers):
        raise RowError(N_("Avtaler må være avtalenumre med mellomrom mellom, ikke «%(value)s»."),
                       value=row["agreements"])
    return [int(number) for number in numbers]


def contact_values(row: Mapping[str, str]) -> dict[str, object]:
    """A contact's column values from a row (shared.models.Contact); party and role as written."""
    member = row["committee_member"].lower()
    if member not in _BOOLEANS:
        raise RowError(N_("%(field)s må være «yes» eller «no», ikke «%(value)s»."),
                       field=FIELD_LABELS["committee_member"], value=member)
    return {
        "email": _email(row, "email", required=True),
        "name": _text(row, "name", required=True),
        "party": _text(row, "party", required=True).lower(),
        "role": _text(row, "role", required=True).lower(),
        "organisation": _text(row, "organisation"),
        "deputy": _email(row, "deputy"),
        "leader": _email(row, "leader"),
        "committee_member": _BOOLEANS[member],
        **_language(row),
    }


def _language(row: Mapping[str, str]) -> dict[str, object]:
    """nb or nn; an empty cell or no column leaves a contact's language as it is (bokmål if new)."""
    value = row.get("language", "").lower()
    if not value:
        return {}
    if value not in STAFF_LANGUAGES:
        raise RowError(N_("%(field)s må være «nb» (bokmål) eller «nn» (nynorsk), ikke «%(value)s»."),
                       field=FIELD_LABELS["language"], value=value)
    return {"language": value}


def cell(value: object) -> str:
    """A column value as the file writes it: yes/no for booleans, empty for none."""
    if isinstance(value, bool):
        return YES if value else NO
    return "" if value is None else str(value)


def agreement_cell(contact: Contact, shown: Collection[int] | None = None) -> str:
    """The agreements a contact works in as the `agreements` column writes them ("1 2"), only those
    in `shown` (None: all)."""
    return " ".join(str(a.id) for a in contact.agreements if shown is None or a.id in shown)


def write_table(columns: tuple[str, ...], records: Iterable[Cooperative | Contact],
                computed: Mapping[str, Callable[[Any], object]] | None = None) -> str:
    """A file Excel in Norway opens as it is: a BOM, semicolons, CRLF line ends. A column in
    `computed` is its function of the record, any other the record's attribute of that name."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    getters = computed or {}
    for record in records:
        writer.writerow([cell(getters[name](record) if name in getters else getattr(record, name))
                         for name in columns])
    return out.getvalue()
