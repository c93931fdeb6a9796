"""The routine handbook (rutinehåndbok): who gets each case, its deadlines and its e-mail templates.

A YAML document (shared/data/handbook.yaml by default, HANDBOOK_PATH to use another), validated in
full before anything uses it: a handbook with one bad line is refused whole, with the line and
the reason. Rules are layered: built-in defaults < `defaults:` < the case type's `default` <
the complaint category < the borettslag's override (by orgnr), field by field.

Versions live in the database (shared/handbook_versions.py); each case records the version that
routed it, so a new version changes the routing of new cases only.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from stdnum.no import orgnr as orgnr_checker

from .agreement import REMINDER_FRACTION
from .settings import PROJECT_ROOT
from .vocabulary import CASE_HOLDERS, CASE_TYPES, COMPLAINT_CATEGORIES
from .yaml_lines import Path as YamlPath
from .yaml_lines import Problem, YamlProblems, read_yaml

DEFAULT_PATH = Path(__file__).parent / "data" / "handbook.yaml"
# The templates stay with the notifier that renders them; the handbook only names them.
TEMPLATE_DIR = PROJECT_ROOT / "services" / "notifier" / "templates"

# Role selectors, resolved against the contacts directory by the notifier's routing.
ROLES = {
    "municipality.main_contact": "kommunens kontaktperson for boligbyggelaget",
    "municipality.leader": "lederen i kommunens boligkontor",
    "association.case_officer": "boligbyggelagets saksbehandler for borettslaget",
    "association.leader": "lederen i boligbyggelaget",
    "cooperative.board": "styret i borettslaget",
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


class HandbookError(YamlProblems):
    """The handbook is refused; `problems` lists each line and reason."""


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


@dataclass(frozen=True)
class Handbook:
    source: str
    rules: Mapping[RuleKey, Rule]  # every combination, resolved and checked when parsed
    selectors: tuple[Selector, ...] = ()  # as written, for board_problems and the directory check

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
        data, lines = read_yaml(text)
    except YamlProblems as error:
        raise HandbookError(error.problems) from None
    checker = _Checker(lines, templates)
    rules = checker.document(data)
    if checker.problems:
        raise HandbookError(sorted(set(checker.problems)))
    return Handbook(source=text, rules=MappingProxyType(rules), selectors=tuple(checker.selectors))


class _Checker:
    """Collects every problem instead of stopping at the first, so one round of fixes is enough."""

    def __init__(self, lines: dict[YamlPath, int], templates: frozenset[str]) -> None:
        self.lines, self.templates = lines, templates
        self.problems: list[Problem] = []
        self.selectors: list[Selector] = []

    def where(self, path: YamlPath) -> tuple[int, str]:
        at = path
        while at not in self.lines:
            at = at[:-1]
        return self.lines[at], ".".join(str(part) for part in path)

    def fail(self, path: YamlPath, reason: str) -> None:
        line, where = self.where(path)
        self.problems.append(Problem(line, f"{where}: {reason}" if where else reason))

    def mapping(self, value: Any, path: YamlPath, allowed: Collection[Any],
                required: Collection[str] = ()) -> dict[Any, Any]:
        if value is None and path:
            value = {}  # `noise:` with nothing under it is an empty override
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping (key: value)")
            return {}
        for key in value:
            if key not in allowed:
                known = ", ".join(map(str, allowed))
                self.fail((*path, key), f"unknown key '{key}' (allowed: {known})")
        for key in required:
            if key not in value:
                self.fail(path, f"'{key}' is missing")
        return {key: item for key, item in value.items() if key in allowed}

    def document(self, data: Any) -> dict[RuleKey, Rule]:
        if not isinstance(data, dict):
            self.fail((), "the handbook must be a mapping with format, defaults and case_types"
                          if data is not None else "the handbook is empty")
            return {}
        root = self.mapping(data, (), ("format", "defaults", "case_types"), required=("case_types",))
        if "format" in root and root["format"] != 1:
            self.fail(("format",), "only format 1 is known")
        defaults = self.fields(root.get("defaults"), ("defaults",),
                               ("reminder_fraction", "escalate_to"))
        types = self.mapping(root.get("case_types", {}), ("case_types",), CASE_TYPES,
                             required=CASE_TYPES)
        layers = {name: self.case_type(name, types[name]) for name in types}
        rules: dict[RuleKey, Rule] = {}
        for name, (default, categories, overrides) in layers.items():
            if "primary" not in default or "templates" not in default:
                continue  # already reported; the other types are still checked
            base = self.merge({**BUILT_IN, **defaults}, default, ("case_types", name, "default"))
            variants: dict[str | None, Rule] = {None: base}
            for category in COMPLAINT_CATEGORIES if name == "complaint" else ():
                path = ("case_types", name, "categories", category)
                variants[category] = self.merge(base, categories.get(category, {}), path)
            for category, rule in variants.items():
                rules[(name, category, None)] = rule
                for orgnr, layer in overrides.items():
                    path = ("case_types", name, "cooperatives", orgnr)
                    rules[(name, category, orgnr)] = self.merge(rule, layer, path)
        return rules

    def case_type(self, name: str, value: Any) -> tuple[dict, dict, dict]:
        path = ("case_types", name)
        allowed = ("default", "cooperatives") + (("categories",) if name == "complaint" else ())
        body = self.mapping(value, path, allowed, required=("default",))
        if "default" not in body:
            return {}, {}, {}  # reported; nothing more to check without it
        raw_default = body["default"] or {}
        default = self.fields(raw_default, (*path, "default"), RULE_FIELDS)
        if isinstance(raw_default, dict):
            self.complete(raw_default, (*path, "default"))
        categories = {
            category: self.fields(layer, (*path, "categories", category), RULE_FIELDS)
            for category, layer in self.mapping(body.get("categories"), (*path, "categories"),
                                                tuple(COMPLAINT_CATEGORIES)).items()
        }
        return default, categories, self.cooperatives(body.get("cooperatives"), (*path, "cooperatives"))

    def complete(self, default: dict[str, Any], path: YamlPath) -> None:
        """A type's default must name a primary role and the templates every case needs."""
        for key in ("primary", "templates"):
            if key not in default:
                self.fail(path, f"'{key}' is missing")
        templates = default.get("templates")
        missing = [kind for kind in REQUIRED_TEMPLATES
                   if isinstance(templates, dict) and kind not in templates]
        if missing:
            self.fail((*path, "templates"), f"names no template for {', '.join(missing)}")

    def cooperatives(self, value: Any, path: YamlPath) -> dict[str, dict[str, Any]]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping of organisasjonsnummer to rule")
            return {}
        overrides = {}
        for key, layer in value.items():
            orgnr = str(key)
            if not (re.fullmatch(r"\d{9}", orgnr) and orgnr_checker.is_valid(orgnr)):
                self.fail((*path, key), f"'{key}' is not a valid organisasjonsnummer")
                continue
            # An unquoted orgnr reads as an int; later messages name it as text.
            self.lines.setdefault((*path, orgnr), self.lines[(*path, key)])
            overrides[orgnr] = self.fields(layer, (*path, key), RULE_FIELDS)
        return overrides

    def fields(self, value: Any, path: YamlPath, allowed: Collection[str]) -> dict[str, Any]:
        checked = {}
        for key, item in self.mapping(value, path, allowed).items():
            result = getattr(self, f"_{key}")(item, (*path, key))
            if result is not _INVALID:
                checked[key] = result
        return checked

    def merge(self, rule: Mapping[str, Any] | Rule, layer: Mapping[str, Any], path: YamlPath) -> Rule:
        values = rule.as_dict() if isinstance(rule, Rule) else dict(rule)
        templates = {**values.get("templates", {}), **layer.get("templates", {})}
        values.update(layer, templates=templates, copies=tuple(layer.get("copies", values["copies"])))
        merged = Rule(**values)
        ack, resolve = merged.acknowledge_days, merged.resolve_days
        # Reported at the layer that sets one of them, so an inherited conflict is reported once.
        at = next((key for key in ("acknowledge_days", "resolve_days") if key in layer), None)
        if at and ack is not None and resolve is not None and ack >= resolve:
            self.fail((*path, at),
                      f"acknowledge_days ({ack}) must be less than resolve_days ({resolve})")
        return merged

    # One checker per rule field: the checked value, or _INVALID after recording why.
    def _role(self, value: Any, path: YamlPath, *, holds_case: bool = False) -> Any:
        if isinstance(value, str):
            email = value.removeprefix(CONTACT_PREFIX).strip().lower()
            if value in ROLES or (value.startswith(CONTACT_PREFIX)
                                  and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
                role = value if value in ROLES else CONTACT_PREFIX + email
                self.selectors.append(Selector(role, *self.where(path), holds_case=holds_case))
                return role
        self.fail(path, f"unknown role {value!r} (known: {', '.join(ROLES)}, or contact:<e-mail>)")
        return _INVALID

    def _primary(self, value: Any, path: YamlPath) -> Any:
        return self._role(value, path, holds_case=True)

    def _copies(self, value: Any, path: YamlPath) -> Any:
        if not isinstance(value, list):
            self.fail(path, "must be a list of roles (use [] for none)")
            return _INVALID
        roles = [self._role(item, (*path, index)) for index, item in enumerate(value)]
        if _INVALID in roles:
            return _INVALID
        if len(set(roles)) != len(roles):
            self.fail(path, "names the same role twice")
            return _INVALID
        return tuple(roles)

    def _days(self, value: Any, path: YamlPath) -> Any:
        if value is None or (type(value) is int and 1 <= value <= MAX_DAYS):
            return value
        self.fail(path, f"must be a whole number of working days from 1 to {MAX_DAYS}, or null")
        return _INVALID

    _acknowledge_days = _resolve_days = _days

    def _reminder_fraction(self, value: Any, path: YamlPath) -> Any:
        if type(value) in (int, float) and 0 < value < 1:
            return float(value)
        self.fail(path, "must be a number between 0 and 1 (exclusive), e.g. 0.75")
        return _INVALID

    def _escalate_to(self, value: Any, path: YamlPath) -> Any:
        return LEADER if value == LEADER else self._role(value, path, holds_case=True)

    def _templates(self, value: Any, path: YamlPath) -> Any:
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping of kind to template name")
            return _INVALID
        named = self.mapping(value, path, TEMPLATE_KINDS)
        unknown = [kind for kind, name in named.items()
                   if not isinstance(name, str) or name not in self.templates]
        for kind in unknown:
            self.fail((*path, kind), f"no e-mail template named {named[kind]!r}")
        return named if not unknown and len(named) == len(value) else _INVALID


_INVALID = object()
