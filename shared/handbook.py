"""The routine handbook (rutinehåndbok): who gets each case, its deadlines and its e-mail templates.

A YAML document (shared/data/handbook.yaml by default, HANDBOOK_PATH to use another), read with
ruamel.yaml (which knows the line of every key) and checked in full by a marshmallow schema before
anything uses it: a handbook with one bad line is refused whole, with each line, field and reason.
Rules are layered: built-in defaults < `defaults:` < the case type's `default` < the complaint
category < the borettslag's override (by orgnr), field by field. The `meetings:` section sets the
fixed meetings' spring and autumn windows and the minimum notice of a meeting (MeetingRules); what
it leaves out, and an older version without it, is the agreement's default (shared/agreement.py).

Versions live in the database (shared/handbook_versions.py); each case records the version that
routed it, so a new version changes the routing of new cases only.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema
from marshmallow.exceptions import SCHEMA
from marshmallow.experimental.context import Context
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from stdnum.no import orgnr as orgnr_checker

from .agreement import (
    ANNUAL_MEETING_WINDOWS,
    MEETING_REQUEST_DAYS,
    MINIMUM_NOTICE_DAYS,
    REMINDER_FRACTION,
    RETENTION_DAYS,
    RULE_CHECK_YEARS,
    longest_minimum_notice,
)
from .i18n import N_
from .settings import PROJECT_ROOT
from .vocabulary import CASE_HOLDERS, CASE_TYPES, COMPLAINT_CATEGORIES
from .workdays import SUMMER_HOLIDAY_WEEKS, is_meeting_day, is_summer_holiday_week

DEFAULT_PATH = Path(__file__).parent / "data" / "handbook.yaml"
# The templates stay with the notifier that renders them; the handbook only names them.
TEMPLATE_DIR = PROJECT_ROOT / "services" / "notifier" / "templates"

# Role selectors, resolved against the contacts directory by the notifier's routing.
ROLES = {  # bokmål words, message ids of the shared catalog (the workspace shows them translated)
    "municipality.main_contact": N_("kommunens kontaktperson for boligbyggelaget"),
    "municipality.leader": N_("lederen i kommunens boligkontor"),
    "association.case_officer": N_("boligbyggelagets saksbehandler for borettslaget"),
    "association.leader": N_("lederen i boligbyggelaget"),
    "cooperative.board": N_("styret i borettslaget"),
}
CONTACT_PREFIX = "contact:"  # a named person: contact:kari.johansen@kommune.example
LEADER = "leader"  # escalate to the responsible contact's own leader
# Chosen by the notifier itself, never named by the handbook: the summary copy to a borettslag board.
RESERVED_TEMPLATES = frozenset({"case_summary"})
TEMPLATE_KINDS = ("notification", "receipt", "status_changed", "reminder", "escalation")
REQUIRED_TEMPLATES = ("notification", "receipt", "status_changed")
RULE_FIELDS = ("primary", "copies", "acknowledge_days", "resolve_days", "reminder_fraction",
               "escalate_to", "templates")
MAX_DAYS = 250  # about a working year
BUILT_IN = {"copies": (), "acknowledge_days": None, "resolve_days": None,
            "reminder_fraction": REMINDER_FRACTION, "escalate_to": LEADER}


YamlPath = tuple[Any, ...]  # keys and list indexes from the document's root, e.g. ("format",)


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    reason: str  # starts with the field path, e.g. "case_types.complaint.default.primary: ..."

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class HandbookError(ValueError):
    """The handbook is refused; `problems` lists each line and reason, in line order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Rule:
    primary: str
    copies: tuple[str, ...]
    acknowledge_days: int | None  # Norwegian working days
    resolve_days: int | None
    reminder_fraction: float
    escalate_to: str
    templates: dict[str, str] = field(hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "copies": list(self.copies), "templates": dict(self.templates)}


RuleKey = tuple[str, str | None, str | None]  # case type, complaint category, borettslag orgnr


@dataclass(frozen=True)
class Selector:
    """A role selector as written, with its line, for the checks made when a version is saved."""

    value: str  # a role, or contact:<e-mail> in lower case
    line: int
    where: str  # e.g. case_types.complaint.categories.noise.copies.1
    holds_case: bool  # primary or escalate_to: it must pick someone who may hold a case

    @property
    def email(self) -> str | None:
        return self.value.removeprefix(CONTACT_PREFIX) if self.value.startswith(CONTACT_PREFIX) else None


Window = tuple[tuple[int, int], tuple[int, int]]  # (month, day) to (month, day), both included
WINDOW_KEYS = {"spring": "spring_window", "autumn": "autumn_window"}  # as ANNUAL_MEETING_WINDOWS names them
MAX_NOTICE_DAYS = 14


@dataclass(frozen=True)
class MeetingRules:
    """The handbook's `meetings:`: the fixed meetings' windows and the minimum notice of a meeting,
    the agreement's defaults (shared/agreement.py) where it says nothing."""

    windows: Mapping[str, Window] = field(default_factory=lambda: ANNUAL_MEETING_WINDOWS)
    minimum_notice_days: int = MINIMUM_NOTICE_DAYS  # Norwegian working days


def month_day(day: tuple[int, int]) -> str:
    """(3, 1) as the handbook writes it: "03-01"."""
    return f"{day[0]:02d}-{day[1]:02d}"


@dataclass(frozen=True)
class Handbook:
    source: str
    rules: Mapping[RuleKey, Rule]  # every combination, resolved and checked when parsed
    selectors: tuple[Selector, ...] = ()  # as written, for board_problems and the directory check
    meetings: MeetingRules = field(default_factory=MeetingRules)
    # Days after closing that a case of each type keeps its personal data (every type, defaults filled in).
    retention: Mapping[str, int] = field(default_factory=lambda: RETENTION_DAYS)

    def rule_for(self, case_type: str, category: str | None = None,
                 cooperative_orgnr: str | None = None) -> Rule:
        """The borettslag's override, else the category's rule, else the type's default."""
        if (case_type, category, None) not in self.rules:
            category = None
        fallback = self.rules[(case_type, category, None)]
        return self.rules.get((case_type, category, cooperative_orgnr), fallback)

    def rows(self) -> list[dict[str, Any]]:
        return [{"case_type": t, "category": c, "cooperative_orgnr": o, **rule.as_dict()}
                for (t, c, o), rule in sorted(self.rules.items(), key=lambda item: sort_key(item[0]))]


def sort_key(key: RuleKey) -> tuple[int, str, str]:
    case_type, category, orgnr = key
    return list(CASE_TYPES).index(case_type), category or "", orgnr or ""


def role_party(selector: str) -> str | None:
    """The party a role selector picks its contact from; None for contact:<e-mail> (ask the directory)."""
    return None if selector.startswith(CONTACT_PREFIX) else selector.split(".", 1)[0]


def board_problems(handbook: Handbook) -> list[Problem]:
    """Roles that would give a borettslag board a case; a board may only have a copy (a summary).

    Checked when a version is saved, not when one is read: a stored version stays readable, and
    the notifier never gives a case to a board whatever a version says.
    """
    return [Problem(s.line, f"{s.where}: {s.value} cannot be {s.where.rsplit('.', 1)[-1]}: a "
                            "borettslag board never gets a case or action links (list it under "
                            "copies to send it a summary)")
            for s in handbook.selectors
            if s.holds_case and role_party(s.value) not in (None, *CASE_HOLDERS)]


def handbook_path(configured: str | Path | None = None) -> Path:
    return Path(configured) if configured else DEFAULT_PATH


def load_handbook(path: str | Path | None = None) -> Handbook:
    return parse_handbook(handbook_path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def template_names(directory: Path = TEMPLATE_DIR) -> frozenset[str]:
    """Templates with all three parts (subject, plain text and HTML) that the handbook may name."""
    return frozenset(p.name[: -len(".subject.txt")] for p in directory.glob("*.subject.txt")
                     if (directory / p.name.replace(".subject.txt", ".txt")).is_file()
                     and (directory / p.name.replace(".subject.txt", ".html")).is_file()) - RESERVED_TEMPLATES


def parse_handbook(text: str, *, templates: Collection[str] | None = None) -> Handbook:
    """Check the whole document; HandbookError lists every problem with its line."""
    known = frozenset(template_names() if templates is None else templates)
    return _parse(text, known)


@lru_cache(maxsize=32)
def _parse(text: str, templates: frozenset[str]) -> Handbook:
    try:
        document = _read_yaml(text)
        if not isinstance(document, CommentedMap):
            reason = ("the handbook is empty" if document is None
                      else "the handbook must be a mapping with format, defaults and case_types")
            raise HandbookError([Problem(1, reason)])
        try:
            with _KNOWN_TEMPLATES(templates):
                data = _Document().load(document)
        except ValidationError as error:
            raise HandbookError(_problems(error.messages, document)) from None
    except RecursionError:
        raise HandbookError([Problem(1, "the document is nested too deeply")]) from None
    return Handbook(source=text, rules=MappingProxyType(_rules(data)),
                    selectors=tuple(_selectors(data, document)), meetings=_meeting_rules(data),
                    retention=MappingProxyType({**RETENTION_DAYS, **data.get("retention", {})}))


# Reading: ruamel.yaml's round-trip loader keeps the line of every key and list item (`.lc`) and
# refuses duplicate keys itself. Aliases are refused before loading: an alias bomb would expand
# exponentially in a message that shows the value, and a hand-edited handbook never needs one.

def _read_yaml(text: str) -> Any:
    try:
        # An alias is written with "*"; only then is the extra pass over the events needed.
        events = YAML(typ="rt", pure=True).parse(text) if "*" in text else ()
        aliases = [Problem(event.start_mark.line + 1, "anchors and aliases are not supported")
                   for event in events if isinstance(event, AliasEvent)]
        document = None if aliases else YAML(typ="rt", pure=True).load(text)
    except DuplicateKeyError as error:
        key = re.match(r'found duplicate key "(.*?)" with value', error.problem or "", re.DOTALL)
        reason = f"duplicate key '{key.group(1)}'" if key else "duplicate key"
        raise HandbookError([Problem(_mark_line(error), reason)]) from None
    except MarkedYAMLError as error:
        reason = f"YAML syntax error: {error.problem or error.context}"
        raise HandbookError([Problem(_mark_line(error), reason)]) from None
    except (YAMLError, ValueError) as error:  # e.g. "!!int x"
        raise HandbookError([Problem(1, f"unreadable value: {error}")]) from None
    if aliases:
        raise HandbookError(aliases)
    return document


def _mark_line(error: MarkedYAMLError) -> int:
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark else 1


def _locate(document: Any, path: YamlPath) -> tuple[YamlPath, int]:
    """The longest start of `path` found in the document, and the line of its last key or item.

    A key is found by its text too, so an unquoted organisasjonsnummer (read as a number) is found
    by the text the rules use.
    """
    node, line = document, 1
    for depth, part in enumerate(path):
        if isinstance(node, CommentedMap):
            key = next((k for k in node if k == part or str(k) == str(part)), _NOT_FOUND)
            if key is _NOT_FOUND:
                return path[:depth], line
            line, node = node.lc.key(key)[0] + 1, node[key]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.lc.item(part)[0] + 1, node[part]
        else:
            return path[:depth], line
    return path, line


def _problems(messages: Any, document: Any, path: YamlPath = ()) -> Iterator[Problem]:
    """marshmallow's nested messages as problems, each at its line and field path.

    A message about a key that is not there (_MISSING) is given at the line of the mapping that
    lacks it, with the key filled in.
    """
    if isinstance(messages, dict):
        for key, inner in messages.items():
            yield from _problems(inner, document, path if key == SCHEMA else (*path, key))
    elif isinstance(messages, list):
        for message in messages:
            yield from _problems(message, document, path)
    else:
        found, line = _locate(document, path)
        reason = str(messages)
        if len(found) < len(path):
            reason = reason.replace(_KEY, str(path[len(found)]))
        where = ".".join(str(part) for part in found)
        yield Problem(line, f"{where}: {reason}" if where else reason)


# The schema: format checks only, every problem collected in one pass. The known e-mail templates
# come from the caller through marshmallow's context.

_KNOWN_TEMPLATES = Context[frozenset[str]]
_NOT_FOUND = object()
_KEY = "<key>"  # in a message about a key that is not there; filled in by _problems
_MISSING = f"'{_KEY}' is missing"
_DAY_FIELDS = ("acknowledge_days", "resolve_days")


def _role(value: Any) -> str | None:
    """A role selector as the rules hold it (contact:<e-mail> in lower case), or None if unknown."""
    if not isinstance(value, str):
        return None
    if value in ROLES:
        return str(value)
    email = value.removeprefix(CONTACT_PREFIX).strip().lower()
    if value.startswith(CONTACT_PREFIX) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return CONTACT_PREFIX + email
    return None


def _unknown_role(value: Any) -> str:
    return f"unknown role {value!r} (known: {', '.join(ROLES)}, or contact:<e-mail>)"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Value(fields.Field[Any]):
    """A plain value: `check` gives it in plain form, or None when it is wrong, and then
    `message(value)` says what is wanted (also for null)."""

    def __init__(self, check: Callable[[Any], Any], message: Callable[[Any], str], **kwargs: Any) -> None:
        super().__init__(error_messages={"null": message(None), "required": _MISSING}, **kwargs)
        self.check, self.message = check, message

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        checked = self.check(value)
        if checked is None:
            raise ValidationError(self.message(value))
        return checked


def _role_field(*, or_leader: bool = False, **kwargs: Any) -> _Value:
    return _Value(lambda v: LEADER if or_leader and v == LEADER else _role(v), _unknown_role, **kwargs)


def _days_field() -> _Value:
    return _Value(lambda v: int(v) if _number(v) and isinstance(v, int) and 1 <= v <= MAX_DAYS else None,
                  lambda v: f"must be a whole number of working days from 1 to {MAX_DAYS}, or null",
                  allow_none=True)  # null: no deadline


def _fraction_field() -> _Value:
    return _Value(lambda v: float(v) if _number(v) and 0 < v < 1 else None,
                  lambda v: "must be a number between 0 and 1 (exclusive), e.g. 0.75")


def _template_field() -> _Value:
    return _Value(lambda v: str(v) if isinstance(v, str) and v in _KNOWN_TEMPLATES.get() else None,
                  lambda v: f"no e-mail template named {v!r}")


class _Roles(fields.Field[Any]):
    """A list of roles, each named at its line when unknown, none twice."""

    default_error_messages = {"null": "must be a list of roles (use [] for none)"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.make_error("null")
        roles = [_role(item) for item in value]
        unknown = {index: [_unknown_role(value[index])] for index, r in enumerate(roles) if r is None}
        if unknown:
            raise ValidationError(unknown)
        if len(set(roles)) != len(roles):
            raise ValidationError("names the same role twice")
        return tuple(r for r in roles if r)


class _Section(fields.Nested):
    """A mapping under a key; a key with nothing under it (`noise:`) is an empty mapping."""

    def __init__(self, schema: type[Schema], **kwargs: Any) -> None:
        super().__init__(schema, error_messages={"required": _MISSING}, **kwargs)

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        return super().deserialize({} if value is None else value, attr, data, **kwargs)


class _Mapping(Schema):
    """Known keys only: each unknown key is named at its line, with the keys allowed there."""

    class Meta:
        unknown = EXCLUDE  # reported by _no_unknown_keys, which can name the key and what is allowed

    error_messages = {"type": "must be a mapping (key: value)"}

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _no_unknown_keys(self, data: Any, original_data: Any, **kwargs: Any) -> None:
        if isinstance(original_data, Mapping):
            allowed = ", ".join(self.fields)
            unknown = {key: [f"unknown key '{key}' (allowed: {allowed})"
                             if isinstance(key, (str, int, float)) else "a key must be a plain value"]
                       for key in original_data if key not in self.fields}
            if unknown:
                raise ValidationError(unknown)


_TemplateKinds = _Mapping.from_dict({kind: _template_field() for kind in TEMPLATE_KINDS})


class _Templates(_TemplateKinds):  # type: ignore[misc,valid-type]
    error_messages = {"type": "must be a mapping of kind to template name"}


class _Layer(_Mapping):
    """One layer of a rule (defaults, a type's default, a category, a borettslag): any of its fields."""

    primary = _role_field()
    copies = _Roles()
    acknowledge_days = _days_field()
    resolve_days = _days_field()
    reminder_fraction = _fraction_field()
    escalate_to = _role_field(or_leader=True)
    templates = _Section(_Templates)


class _TypeDefault(_Layer):
    """A type's default names a primary role and the templates every case needs."""

    primary = _role_field(required=True)
    templates = _Section(_Templates, required=True)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _required_templates(self, data: Any, original_data: Any, **kwargs: Any) -> None:
        templates = original_data.get("templates") if isinstance(original_data, Mapping) else None
        missing = [kind for kind in REQUIRED_TEMPLATES
                   if isinstance(templates, Mapping) and kind not in templates]
        if missing:
            raise ValidationError({"templates": [f"names no template for {', '.join(missing)}"]})


class _Overrides(fields.Field[Any]):
    """The borettslag overrides, by organisasjonsnummer (an unquoted one is read as text)."""

    default_error_messages = {"invalid": "must be a mapping of organisasjonsnummer to rule"}

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        return super().deserialize({} if value is None else value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        layers: dict[str, Any] = {}
        errors: dict[Any, Any] = {}
        for key, layer in value.items():
            orgnr = str(key)
            if not (re.fullmatch(r"\d{9}", orgnr) and orgnr_checker.is_valid(orgnr)):
                errors[key] = [f"'{key}' is not a valid organisasjonsnummer"]
                continue
            try:
                layers[orgnr] = _Layer().load({} if layer is None else layer)
            except ValidationError as error:
                errors[key], layers[orgnr] = error.messages, error.valid_data or {}
        if errors:
            raise ValidationError(errors, valid_data=layers)
        return layers


def _with_days(days: Mapping[str, Any], layer: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The deadlines with `layer` over `days`, and which of the layer's own fields makes them
    conflict (acknowledge on or after resolve), if any."""
    merged = {**days, **{key: layer[key] for key in _DAY_FIELDS if key in layer}}
    ack, resolve = merged.get("acknowledge_days"), merged.get("resolve_days")
    at = next((key for key in _DAY_FIELDS if key in layer), None)
    conflict = at if at and ack is not None and resolve is not None and ack >= resolve else None
    return merged, conflict


class _CaseType(_Mapping):
    default = _Section(_TypeDefault, required=True)
    cooperatives = _Overrides()

    @validates_schema(skip_on_field_errors=False)
    def _acknowledge_before_resolve(self, data: Any, **kwargs: Any) -> None:
        """Checked on every combination of layers, and reported at the layer that sets one of
        the two, so an inherited conflict is reported once."""
        errors: dict[str, Any] = {}

        def layered(days: Mapping[str, Any], layer: Mapping[str, Any], *where: str) -> dict[str, Any]:
            merged, at = _with_days(days, layer)
            if at:
                message = (f"acknowledge_days ({merged['acknowledge_days']}) must be less than "
                           f"resolve_days ({merged['resolve_days']})")
                node = errors
                for part in where:
                    node = node.setdefault(part, {})
                node.setdefault(at, []).append(message)
            return merged

        base = layered({}, data.get("default", {}), "default")
        variants = [base, *(layered(base, layer, "categories", name)
                            for name, layer in data.get("categories", {}).items())]
        for orgnr, layer in data.get("cooperatives", {}).items():
            for days in variants:
                layered(days, layer, "cooperatives", orgnr)
        if errors:
            raise ValidationError(errors)


class _Complaint(_CaseType):
    categories = _Section(_Mapping.from_dict({name: _Section(_Layer) for name in COMPLAINT_CATEGORIES}))


class _Defaults(_Mapping):
    reminder_fraction = _fraction_field()
    escalate_to = _role_field(or_leader=True)


# The meetings section: each window inside one year (from before to), the two apart, each with a
# meeting day every year; the notice at most what always leaves a day before point 6's deadline.

def _month_day(value: Any) -> tuple[int, int] | None:
    if not (isinstance(value, str) and re.fullmatch(r"\d\d-\d\d", value)):
        return None
    try:
        day = dt.date(2001, int(value[:2]), int(value[3:]))  # not a leap year: a day every year has
    except ValueError:
        return None
    return day.month, day.day


def _month_day_field() -> _Value:
    return _Value(_month_day, lambda v: 'must be a day every year has, as "MM-DD" in quotes, e.g. "03-01"',
                  required=True)


def _notice_field() -> _Value:
    return _Value(lambda v: int(v) if isinstance(v, int) and not isinstance(v, bool)
                  and 1 <= v <= MAX_NOTICE_DAYS else None,
                  lambda v: f"must be a whole number of working days from 1 to {MAX_NOTICE_DAYS}")


_WindowDays = _Mapping.from_dict({"from": _month_day_field(), "to": _month_day_field()})


class _Window(_WindowDays):  # type: ignore[misc,valid-type]
    @validates_schema(skip_on_field_errors=True)
    def _from_before_to(self, data: Any, **kwargs: Any) -> None:
        if data["to"] <= data["from"]:
            raise ValidationError({"to": [f'must come after from ("{month_day(data["from"])}"): a window '
                                          "lies inside one year"]})


def _without_meeting_day(first: tuple[int, int], last: tuple[int, int]) -> str | None:
    """Why the window has no meeting day in some year, or None when it has one every year."""
    for year in RULE_CHECK_YEARS:
        days = [dt.date(year, *first) + dt.timedelta(days=n)
                for n in range((dt.date(year, *last) - dt.date(year, *first)).days + 1)]
        if any(map(is_meeting_day, days)):
            continue
        if all(map(is_summer_holiday_week, days)):
            weeks = f"{SUMMER_HOLIDAY_WEEKS.start}–{SUMMER_HOLIDAY_WEEKS.stop - 1}"
            return f"lies entirely inside the common summer holiday (weeks {weeks}) in {year}, when no meeting is held"
        return (f"has no day a meeting can be held in {year} (a working day outside weeks 28–31 and "
                "22 December–3 January)")
    return None


class _Meetings(_Mapping):
    spring_window = _Section(_Window)
    autumn_window = _Section(_Window)
    minimum_notice_days = _notice_field()

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _windows_apart_and_notice_in_time(self, data: Any, original_data: Any, **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        written = {name: _window(data.get(key)) for name, key in WINDOW_KEYS.items()
                   if isinstance(original_data, Mapping) and key in original_data}
        for name, window in written.items():
            reason = _without_meeting_day(*window) if window else None
            if reason:
                errors.setdefault(WINDOW_KEYS[name], []).append(reason)
        windows = _windows(data)
        (spring_first, spring_last), (autumn_first, autumn_last) = windows["spring"], windows["autumn"]
        if all(written.values()) and spring_first <= autumn_last and autumn_first <= spring_last:
            later = "spring" if list(written) == ["spring"] else "autumn"  # at the window written
            other = "spring" if later == "autumn" else "autumn"
            first, last = windows[other]
            errors.setdefault(WINDOW_KEYS[later], []).append(
                f'overlaps {WINDOW_KEYS[other]} ("{month_day(first)}" to "{month_day(last)}"); '
                "the two windows must not share a day")
        notice, longest = data.get("minimum_notice_days"), longest_minimum_notice()
        if notice is not None and notice > longest:
            errors.setdefault("minimum_notice_days", []).append(
                f"must leave a day for the meeting before a meeting request's {MEETING_REQUEST_DAYS}-day "
                f"deadline: at most {longest} working days")
        if errors:
            raise ValidationError(errors)


def _window(checked: Any) -> Window | None:
    """A window as checked: None unless it has both days, from before to."""
    if isinstance(checked, Mapping) and "from" in checked and "to" in checked and checked["from"] < checked["to"]:
        return checked["from"], checked["to"]
    return None


def _windows(meetings: Mapping[str, Any]) -> dict[str, Window]:
    """The windows the section sets, the agreement's defaults for the rest."""
    return {name: _window(meetings.get(key)) or ANNUAL_MEETING_WINDOWS[name] for name, key in WINDOW_KEYS.items()}


def _meeting_rules(data: Mapping[str, Any]) -> MeetingRules:
    meetings = data.get("meetings", {})
    return MeetingRules(windows=MappingProxyType(_windows(meetings)),
                        minimum_notice_days=meetings.get("minimum_notice_days", MINIMUM_NOTICE_DAYS))


# Retention: calendar days after a case is closed (SPEC §9); an older version without it keeps the
# agreement's defaults (shared.agreement.RETENTION_DAYS).
MAX_RETENTION_DAYS = 50 * 365


def _retention_field() -> _Value:
    return _Value(lambda v: int(v) if isinstance(v, int) and not isinstance(v, bool)
                  and 1 <= v <= MAX_RETENTION_DAYS else None,
                  lambda v: f"must be a whole number of days from 1 to {MAX_RETENTION_DAYS}")


_Retention = _Mapping.from_dict({name: _retention_field() for name in CASE_TYPES})


class _Document(_Mapping):
    format = _Value(lambda v: 1 if v == 1 else None, lambda v: "only format 1 is known")
    defaults = _Section(_Defaults)
    meetings = _Section(_Meetings)
    case_types = _Section(_Mapping.from_dict(
        {name: _Section(_Complaint if name == "complaint" else _CaseType, required=True)
         for name in CASE_TYPES}), required=True)
    retention = _Section(_Retention)


# From the checked document to rules: built-in < defaults < type default < category < borettslag.

def _layers(data: Mapping[str, Any]) -> Iterator[tuple[YamlPath, Mapping[str, Any]]]:
    """Every rule layer in the document, with its path."""
    yield ("defaults",), data.get("defaults", {})
    for name, body in data["case_types"].items():
        yield ("case_types", name, "default"), body["default"]
        for group in ("categories", "cooperatives"):
            for key, layer in body.get(group, {}).items():
                yield ("case_types", name, group, key), layer


def _rules(data: Mapping[str, Any]) -> dict[RuleKey, Rule]:
    defaults = {**BUILT_IN, **data.get("defaults", {})}
    rules: dict[RuleKey, Rule] = {}
    for name, body in data["case_types"].items():
        base = _merge(defaults, body["default"])
        categories = body.get("categories", {})
        variants: dict[str | None, Rule] = {None: base}
        for category in COMPLAINT_CATEGORIES if name == "complaint" else ():
            variants[category] = _merge(base, categories.get(category, {}))
        for variant, rule in variants.items():
            rules[(name, variant, None)] = rule
            for orgnr, layer in body.get("cooperatives", {}).items():
                rules[(name, variant, orgnr)] = _merge(rule, layer)
    return rules


def _merge(rule: Mapping[str, Any] | Rule, layer: Mapping[str, Any]) -> Rule:
    values = rule.as_dict() if isinstance(rule, Rule) else dict(rule)
    templates = {**values.get("templates", {}), **layer.get("templates", {})}
    values.update(layer, templates=templates, copies=tuple(layer.get("copies", values["copies"])))
    return Rule(**values)


def _selectors(data: Mapping[str, Any], document: Any) -> Iterator[Selector]:
    """Every role selector as written, at its line, for the checks made when a version is saved."""
    for path, layer in _layers(data):
        named = [((*path, key), layer[key], True) for key in ("primary", "escalate_to")
                 if key in layer and layer[key] != LEADER]
        named += [((*path, "copies", index), value, False)
                  for index, value in enumerate(layer.get("copies", ()))]
        for where, value, holds_case in named:
            found, line = _locate(document, where)
            yield Selector(value, line, ".".join(str(part) for part in where), holds_case=holds_case)
