"""Versions of the routine handbook in the database, and what changed between them.

The newest version is the current one. The file at HANDBOOK_PATH (default shared/data/handbook.yaml)
seeds version 1, and whenever its text differs from the last version read from it, it becomes a
new version (created_by "fil"). Versions are numbered 1, 2, 3 … by one writer at a time (an
advisory lock on PostgreSQL; SQLite transactions take the write lock up front), and a writer that
finds its text already stored as the newest version stores nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select, text as sql_text
from sqlalchemy.orm import Session

from .handbook import (
    RULE_FIELDS,
    WINDOW_KEYS,
    Handbook,
    HandbookError,
    MeetingRules,
    Problem,
    Rule,
    board_problems,
    handbook_path,
    month_day,
    parse_handbook,
    sort_key,
)
from .handbook_roles import in_agreement
from .models import DEFAULT_AGREEMENT, Case, Contact, HandbookVersion, utcnow
from .vocabulary import CASE_HOLDERS

log = logging.getLogger(__name__)

FROM_FILE = "fil"  # created_by of the versions read from the file
VERSION_LOCK = 0x68616E64  # pg_advisory_xact_lock key: one writer of versions at a time


# Versions never change once stored, so each is parsed once per process, by its number.
_PARSED: dict[int, Handbook] = {}
_PARSED_LIMIT = 64


def _remember(version_id: int, handbook: Handbook) -> Handbook:
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.clear()
    _PARSED[version_id] = handbook
    return handbook


def forget_parsed() -> None:
    """For a database emptied and filled again, as the tests do: its numbers start over."""
    _PARSED.clear()
    _SETTLED.clear()


def parsed(version: HandbookVersion) -> Handbook:
    """The version's handbook, parsed the first time this process meets the version."""
    return _PARSED.get(version.id) or _remember(version.id, _parse_text(version.source))


@lru_cache(maxsize=4)
def _parse_text(text: str) -> Handbook:
    """A handbook text parsed, kept for the versions that hold the same text (those read from
    the file, in every agreement) and for a process forked after warm_parsing."""
    return parse_handbook(text)


def warm_parsing(path: str | Path | None = None) -> None:
    """Parse the handbook file (and work out the rules' fixed figures) now, in a process about to
    fork its workers: they find it parsed when a version read from the file comes their way."""
    try:
        _parse_text(handbook_path(path).read_text(encoding="utf-8"))
    except (OSError, HandbookError):
        pass  # no file, or one that will be refused: the first task says so, as before


def handbook_by_version(session: Session, version_id: int) -> Handbook:
    """The handbook a case was routed by; the database is asked only the first time."""
    return _PARSED.get(version_id) or parsed(session.get_one(HandbookVersion, version_id))


def rule_for_case(session: Session, case: Case) -> Rule | None:
    """The rule that routed the case (deadlines, escalation, templates); None before routing."""
    if case.handbook_version is None:
        return None
    orgnr = case.cooperative.orgnr if case.cooperative else None
    return handbook_by_version(session, case.handbook_version).rule_for(case.type, case.category, orgnr)


def newest_version(session: Session, agreement_id: int = DEFAULT_AGREEMENT) -> HandbookVersion | None:
    """The agreement's current handbook (each agreement has its own version history, SPEC §8)."""
    return session.execute(
        select(HandbookVersion).where(HandbookVersion.agreement_id == agreement_id)
        .order_by(HandbookVersion.id.desc()).limit(1)
    ).scalar_one_or_none()


def _newest_and_file_text(session: Session, agreement_id: int) -> tuple[HandbookVersion | None, str | None]:
    """The agreement's newest version, and the text of its newest version read from the file."""
    from_file = session.execute(
        select(HandbookVersion.source).where(HandbookVersion.created_by == FROM_FILE,
                                             HandbookVersion.agreement_id == agreement_id)
        .order_by(HandbookVersion.id.desc()).limit(1)
    ).scalar_one_or_none()
    return newest_version(session, agreement_id), from_file


def _file_is_new(text: str | None, newest: HandbookVersion | None, from_file: str | None) -> bool:
    return text is not None and (newest is None or text not in (from_file, newest.source))


# A file whose text was found stored already (or refused), by its path: its stamp then, and the
# newest version then. While both hold, the file has nothing new to say (versions are only ever
# added): the newest version's number is all the database is asked.
_SETTLED: dict[tuple[Path, int], tuple[tuple[int, int, int] | None, int]] = {}
# A file written in the last moments may change again within the clock's granularity without
# its stamp changing: such a file is read every time, as git treats "racily clean" files.
_RACY_NS = 2_000_000_000


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """(mtime in ns, size, inode), or None for a missing file."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_mtime_ns, found.st_size, found.st_ino


# Asked for every case routed, when the file is as it was: built once.
_NEWEST_ID = select(func.max(HandbookVersion.id)).where(HandbookVersion.agreement_id == bindparam("agreement_id"))


def current_handbook(
    session: Session, path: str | Path | None = None, *, now: dt.datetime | None = None,
    agreement_id: int = DEFAULT_AGREEMENT, newest_id: int | None = None,
) -> tuple[int, Handbook]:
    """The agreement's newest version; the file's text becomes a new version of every agreement's
    handbook when it has changed (the file is the installation's common text; an agreement's own
    edits are versions saved after it). `newest_id`: the newest version's number, when the caller
    has read it in this transaction (routing reads it with the case)."""
    file = handbook_path(path)
    stamp = _stamp(file)
    settled = _SETTLED.get((file, agreement_id))
    if settled is not None and settled[0] == stamp:
        if newest_id is None:
            newest_id = session.execute(_NEWEST_ID, {"agreement_id": agreement_id}).scalar_one_or_none()
        if newest_id == settled[1]:
            return newest_id, handbook_by_version(session, newest_id)
    text = _read(file)
    newest, from_file = _newest_and_file_text(session, agreement_id)
    accepted = _acceptable(text, path, newest) if _file_is_new(text, newest, from_file) else None
    if accepted is not None:
        _lock(session)
        newest, from_file = _newest_and_file_text(session, agreement_id)  # again, now as the only writer
        if _file_is_new(text, newest, from_file):
            newest = _insert(session, text or "", FROM_FILE, now or utcnow(), newest, accepted,
                             agreement_id=agreement_id)
    if newest is None:
        raise HandbookError([Problem(1, f"no handbook stored and no file at {file}")])
    if accepted is None and (stamp is None or time.time_ns() - stamp[0] > _RACY_NS):
        # Stored already or refused; a version inserted here is settled once it is committed,
        # the next time round (this transaction may yet roll back).
        _SETTLED[(file, agreement_id)] = (stamp, newest.id)
    return newest.id, parsed(newest)


def meeting_rules(session: Session, path: str | Path | None = None, *,
                  now: dt.datetime | None = None, agreement_id: int = DEFAULT_AGREEMENT) -> MeetingRules:
    """The fixed meetings' windows and the minimum notice of the agreement's version in force."""
    return current_handbook(session, path, now=now, agreement_id=agreement_id)[1].meetings


class StaleHandbook(Exception):
    """Another version was saved after the one the editor started from (`base`)."""

    def __init__(self, base: int, newest: int) -> None:
        self.base, self.newest = base, newest
        super().__init__(f"version {newest} was saved after version {base}")


def save_handbook(
    session: Session, text: str, created_by: str, now: dt.datetime, *, path: str | Path | None = None,
    base: int | None = None, note: str = "", agreement_id: int = DEFAULT_AGREEMENT,
) -> tuple[int, Handbook]:
    """Store `text` as the current version; HandbookError if refused, nothing new if unchanged.

    With `base`, StaleHandbook unless that is still the newest version (checked as the only
    writer); `note` is the author's own words, put before the summary of what changed.
    """
    handbook = parse_handbook(text)
    check_for_saving(session, handbook, agreement_id)
    current_handbook(session, path, now=now, agreement_id=agreement_id)  # a changed file first
    _lock(session)
    newest = newest_version(session, agreement_id)
    if base is not None and newest is not None and newest.id != base:
        raise StaleHandbook(base, newest.id)
    if newest is not None and newest.source == text:
        return newest.id, handbook
    return _insert(session, text, created_by, now, newest, handbook, note, agreement_id=agreement_id).id, handbook


def check_for_saving(session: Session, handbook: Handbook, agreement_id: int = DEFAULT_AGREEMENT) -> None:
    """HandbookError, each problem at its line, if the handbook would give a borettslag board a
    case, or names a contact:<e-mail> the directory does not know or who does not work in the
    agreement (a case routed to them would be one they cannot see, SPEC §8). The parser has no directory."""
    problems = board_problems(handbook)
    emails = {s.email for s in handbook.selectors if s.email}
    rows = session.execute(select(Contact.email, Contact.party).where(Contact.email.in_(emails)))
    parties = dict(rows.all())
    members = set(session.scalars(select(Contact.email).where(Contact.email.in_(emails), in_agreement(agreement_id))))
    for selector in handbook.selectors:
        if not selector.email:
            continue
        party = parties.get(selector.email)
        if party is None:
            problems.append(Problem(selector.line, f"{selector.where}: no contact with the e-mail "
                                                   f"address {selector.email} in the directory"))
        elif selector.holds_case and party not in CASE_HOLDERS:
            problems.append(Problem(selector.line, f"{selector.where}: {selector.email} is a borettslag "
                                                   "board's contact, who never gets a case or action "
                                                   "links (list it under copies to send it a summary)"))
        elif selector.email not in members:
            problems.append(Problem(selector.line, f"{selector.where}: {selector.email} does not work in "
                                                   f"agreement {agreement_id}, whose handbook this is"))
    if problems:
        raise HandbookError(problems)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _acceptable(text: str | None, path: str | Path | None,
                newest: HandbookVersion | None) -> Handbook | None:
    """The file's handbook, or None when refused: a refused file is logged and the newest version
    kept; with no version at all it is an error."""
    try:
        handbook = parse_handbook(text or "")
        problems = board_problems(handbook)
        if problems:
            raise HandbookError(problems)
    except HandbookError as error:
        if newest is None:
            raise
        log.error("handbook file %s refused, keeping version %s: %s",
                  handbook_path(path), newest.id, error)
        return None
    return handbook


def _lock(session: Session) -> None:
    """One writer of versions at a time; SQLite's BEGIN IMMEDIATE already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": VERSION_LOCK})


def _insert(session: Session, text: str, created_by: str, now: dt.datetime,
            previous: HandbookVersion | None, handbook: Handbook, note: str = "", *,
            agreement_id: int = DEFAULT_AGREEMENT) -> HandbookVersion:
    if previous is None:
        summary = "Første versjon."
    else:
        summary = diff_summary(parsed(previous), handbook)
    if note:
        summary = f"{note} — {summary}"
    # Numbered across the installation (a case names its version by number); `previous` is the
    # agreement's own, and the number is taken as the only writer.
    number = (session.execute(select(func.max(HandbookVersion.id))).scalar_one_or_none() or 0) + 1
    row = HandbookVersion(id=number, created_at=now, created_by=created_by, source=text, summary=summary,
                          agreement_id=agreement_id)
    session.add(row)
    session.flush()
    _remember(row.id, handbook)
    return row


def diff_summary(old: Handbook, new: Handbook) -> str:
    """Which rules changed, e.g. "complaint.noise.primary: municipality.main_contact →
    association.case_officer".

    Each change is named once, at the most general rule it shows in: a new complaint default is not
    repeated for every category, nor a borettslag override for every category.
    """
    orgnrs = sorted({orgnr for (_, _, orgnr) in [*old.rules, *new.rules] if orgnr})
    keys = sorted((k for k in new.rules if k[2] is None), key=sort_key)
    changes = {(t, c, o): _field_changes(old, new, t, c, o)
               for t, c, _ in keys for o in [None, *orgnrs]}
    lines: list[str] = []
    for (case_type, category, orgnr), found in changes.items():
        parents = [(case_type, None, None) if category else None,
                   (case_type, category, None) if orgnr else None,
                   (case_type, None, orgnr) if category and orgnr else None]
        implied = set().union(*(changes[p] for p in parents if p))
        name = ".".join(part for part in (case_type, category) if part)
        name += f"[{orgnr}]" if orgnr else ""
        lines += [f"{name}.{key}: {before} → {after}" for key, before, after in sorted(found - implied)]
    lines += _meeting_changes(old.meetings, new.meetings)
    return "; ".join(lines) or "Ingen regelendringer (bare tekst eller kommentarer)."


def _meeting_changes(old: MeetingRules, new: MeetingRules) -> list[str]:
    def words(rules: MeetingRules) -> dict[str, str]:
        found = {f"meetings.{key}": f"{month_day(rules.windows[name][0])}–{month_day(rules.windows[name][1])}"
                 for name, key in WINDOW_KEYS.items()}
        return {**found, "meetings.minimum_notice_days": str(rules.minimum_notice_days)}

    before, after = words(old), words(new)
    return [f"{key}: {before[key]} → {after[key]}" for key in after if before[key] != after[key]]


def _field_changes(old: Handbook, new: Handbook, case_type: str, category: str | None,
                   orgnr: str | None) -> set[tuple[str, str, str]]:
    before = _flat(old.rule_for(case_type, category, orgnr))
    after = _flat(new.rule_for(case_type, category, orgnr))
    return {(key, before.get(key, "–"), after.get(key, "–")) for key in before.keys() | after.keys()
            if before.get(key) != after.get(key)}


def _flat(rule: Rule) -> dict[str, str]:
    values: dict[str, Any] = {key: getattr(rule, key) for key in RULE_FIELDS
                              if key not in ("copies", "templates")}
    values["copies"] = ", ".join(rule.copies) or "–"
    values |= {f"templates.{kind}": name for kind, name in rule.templates.items()}
    return {key: "–" if value is None else str(value) for key, value in values.items()}
