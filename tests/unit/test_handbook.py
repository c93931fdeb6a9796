"""The routine handbook: the shipped default, validation with line numbers, versions, the API."""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from sqlalchemy import select

from services.intake.cases import open_case
from services.notifier.directory import ROLE_LOOKUPS
from services.notifier.routing import route_case
from shared import handbook_versions
from shared.db import unit_of_work
from shared.handbook import DEFAULT_PATH, ROLES, HandbookError, load_handbook, parse_handbook
from shared.handbook_versions import FROM_FILE, current_handbook, rule_for_case, save_handbook
from shared.models import Case, Cooperative, HandbookVersion, Notification
from shared.vocabulary import CASE_TYPES, COMPLAINT_CATEGORIES
from tests.support.api import auth

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")
NOISE_TO_CASE_OFFICER = SHIPPED.replace(
    "    categories: {}\n",
    "    categories:\n      noise:\n        primary: association.case_officer\n"
    "        copies: [municipality.main_contact]\n",
)
# Every (type, category) the shipped handbook has a rule for, read from the handbook itself.
TABLE = sorted({(t, c) for (t, c, _) in load_handbook().rules}, key=lambda k: (k[0], k[1] or ""))


def open_and_route(sessions, case_type, category=None, orgnr="997273354", *, event="e-1", now=NOW) -> int:
    with unit_of_work(sessions) as session:
        cooperative = session.execute(select(Cooperative).where(Cooperative.orgnr == orgnr)).scalar_one()
        case = open_case(session, case_type, actor="test", now=now, tz_name="Europe/Oslo",
                         cooperative_id=cooperative.id, category=category)
        case_id = case.id
    with unit_of_work(sessions) as session:
        route_case(session, case_id, event, now=now, mail_domain="samhandling.example")
    return case_id


# The shipped default ------------------------------------------------------------------------------

def test_shipped_handbook_keeps_todays_routing_and_the_agreed_deadlines():
    handbook = load_handbook()
    complaint = handbook.rule_for("complaint", "noise")
    assert (complaint.primary, complaint.copies) == ("municipality.main_contact", ("association.case_officer",))
    assert (complaint.acknowledge_days, complaint.resolve_days, complaint.reminder_fraction,
            complaint.escalate_to) == (2, 20, 0.75, "leader")
    for case_type in ("acquisition", "sublet"):
        rule = handbook.rule_for(case_type)
        assert (rule.primary, rule.copies) == ("association.case_officer", ("municipality.main_contact",))
    assert (handbook.rule_for("sublet").acknowledge_days, handbook.rule_for("sublet").resolve_days) == (None, 20)
    meeting = handbook.rule_for("meeting_request")
    assert meeting.copies == ("municipality.leader", "association.leader")
    assert {row["case_type"] for row in handbook.rows()} == set(CASE_TYPES)
    assert {row["category"] for row in handbook.rows() if row["case_type"] == "complaint"} == {
        None, *COMPLAINT_CATEGORIES}


def test_every_role_the_handbook_knows_can_be_looked_up():
    assert set(ROLE_LOOKUPS) == set(ROLES)


@pytest.mark.parametrize(("case_type", "category"), TABLE)
def test_every_type_and_category_routes_to_a_contact(sessions, case_type, category):
    case_id = open_and_route(sessions, case_type, category)
    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert case.status == "routed" and case.assignee and not case.unrouted
        assert case.handbook_version == 1
        primary = load_handbook().rule_for(case_type, category).primary
        assert case.assignee == ROLE_LOOKUPS[primary](session, case).email


# Validation ---------------------------------------------------------------------------------------

def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


BROKEN = [
    # (what is wrong, old, new, the line's fragment in the new text, words in the reason)
    ("syntax error", "      copies: [association.case_officer]\n", "      copies: [association.case_officer\n",
     "acknowledge_days: 2", "syntax error"),
    ("unknown role", "primary: association.case_officer\n      copies: [municipality.main_contact]\n      # Avtalen",
     "primary: association.boss\n      copies: [municipality.main_contact]\n      # Avtalen",
     "association.boss", "unknown role 'association.boss'"),
    ("acknowledge after resolve", "acknowledge_days: 2\n", "acknowledge_days: 25\n",
     "acknowledge_days: 25", "acknowledge_days (25) must be less than resolve_days (20)"),
    ("unknown key", "      resolve_days: 20\n      templates:\n        notification: complaint",
     "      resolve_days: 20\n      resolve_hours: 3\n      templates:\n        notification: complaint",
     "resolve_hours", "unknown key 'resolve_hours'"),
    ("reminder fraction", "reminder_fraction: 0.75", "reminder_fraction: 1.5", "reminder_fraction: 1.5",
     "between 0 and 1"),
    ("days not a number", "resolve_days: 20\n      templates:\n        notification: sublet",
     "resolve_days: tjue\n      templates:\n        notification: sublet", "tjue", "whole number"),
    ("missing template", "notification: sublet_notification", "notification: sublet_varsel",
     "sublet_varsel", "no e-mail template named 'sublet_varsel'"),
    ("unknown category", "    categories: {}\n", "    categories:\n      parking: {}\n", "parking",
     "unknown key 'parking'"),
    ("bad orgnr", "    cooperatives: {}\n", "    cooperatives:\n      \"997273355\": {}\n", "997273355",
     "not a valid organisasjonsnummer"),
    ("duplicate key", "  meeting_request:", "  sublet: {}\n  meeting_request:", "sublet: {}",
     "duplicate key 'sublet'"),
    ("missing type", "  meeting_request:", "  meeting_requests:", "meeting_requests:",
     "unknown key 'meeting_requests'"),
]


@pytest.mark.parametrize(("old", "new", "fragment", "reason"), [b[1:] for b in BROKEN],
                         ids=[b[0] for b in BROKEN])
def test_a_broken_handbook_is_refused_with_the_line_and_reason(old, new, fragment, reason):
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    assert any(p.line == line_of(text, fragment) and reason in p.reason for p in refused.value.problems), (
        str(refused.value))
    assert f"line {line_of(text, fragment)}: " in str(refused.value)


def test_every_problem_is_reported_at_once():
    text = SHIPPED.replace("acknowledge_days: 2\n", "acknowledge_days: 25\n").replace(
        "primary: municipality.main_contact\n      copies: [municipality.leader",
        "primary: municipality.boss\n      copies: [municipality.leader")
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    assert [p.line for p in refused.value.problems] == [line_of(text, "acknowledge_days: 25"),
                                                        line_of(text, "municipality.boss")]


@pytest.mark.parametrize("text", ["", "[]", "case_types: &a {}\nformat: *a", "a: !!python/object:os.system x"])
def test_odd_documents_are_refused_not_crashed_on(text):
    with pytest.raises(HandbookError):
        parse_handbook(text)


# Each message in full: its line, its field path and the reason (ruamel.yaml's lines, the schema's
# checks). (what is wrong, old, new, the line's fragment in the new text, the whole message after
# "line N: ")
MESSAGES = [
    ("copies not a list", "copies: [municipality.leader, association.leader]",
     "copies: municipality.leader", "copies: municipality.leader",
     "case_types.meeting_request.default.copies: must be a list of roles (use [] for none)"),
    ("a list item at its own line", "copies: [municipality.leader, association.leader]",
     "copies:\n        - municipality.leader\n        - association.boss", "- association.boss",
     "case_types.meeting_request.default.copies.1: unknown role 'association.boss' (known: "
     "municipality.main_contact, municipality.leader, association.case_officer, association.leader, "
     "cooperative.board, or contact:<e-mail>)"),
    ("a role twice", "copies: [municipality.leader, association.leader]",
     "copies: [municipality.leader, municipality.leader]", "copies: [municipality.leader, municipality",
     "case_types.meeting_request.default.copies: names the same role twice"),
    ("templates not a mapping", "      templates:\n        notification: meeting_request_notification\n"
     "        receipt: complaint_receipt\n        status_changed: status_changed",
     "      templates: meeting_request_notification", "templates: meeting_request_notification",
     "case_types.meeting_request.default.templates: must be a mapping of kind to template name"),
    ("format", "format: 1", "format: 2", "format: 2", "format: only format 1 is known"),
    ("a key the defaults do not have", "  escalate_to: leader\n",
     "  escalate_to: leader\n  resolve_days: 5\n", "resolve_days: 5",
     "defaults.resolve_days: unknown key 'resolve_days' (allowed: reminder_fraction, escalate_to)"),
    ("a category not a mapping", "    categories: {}\n", "    categories:\n      noise: [1]\n",
     "noise: [1]", "case_types.complaint.categories.noise: must be a mapping (key: value)"),
    ("true is not a number of days", "acknowledge_days: 2\n", "acknowledge_days: true\n",
     "acknowledge_days: true", "case_types.complaint.default.acknowledge_days: must be a whole "
     "number of working days from 1 to 250, or null"),
    ("a contact without an e-mail address", "primary: municipality.main_contact\n      copies: "
     "[association.case_officer]", "primary: contact:kari\n      copies: [association.case_officer]",
     "contact:kari", "case_types.complaint.default.primary: unknown role 'contact:kari' (known: "
     "municipality.main_contact, municipality.leader, association.case_officer, association.leader, "
     "cooperative.board, or contact:<e-mail>)"),
    ("a borettslag's rule", "    cooperatives: {}\n",
     "    cooperatives:\n      \"997273354\":\n        reminder_fraction: 1\n", "reminder_fraction: 1",
     "case_types.complaint.cooperatives.997273354.reminder_fraction: must be a number between 0 and 1 "
     "(exclusive), e.g. 0.75"),
    ("duplicate key", "  meeting_request:", "  sublet: {}\n  meeting_request:", "sublet: {}",
     "duplicate key 'sublet'"),
]


@pytest.mark.parametrize(("old", "new", "fragment", "message"), [m[1:] for m in MESSAGES],
                         ids=[m[0] for m in MESSAGES])
def test_each_message_names_its_line_and_field_path(old, new, fragment, message):
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    assert f"line {line_of(text, fragment)}: {message}" in [str(p) for p in refused.value.problems]


def test_what_is_missing_is_named_at_the_mapping_that_lacks_it():
    text = (SHIPPED
            .replace("  meeting_request:      # møteinnkalling: begge parters ledere får kopi (avtalen "
                     "punkt 6)\n    default:\n", "  meeting_request:\n    default:  # uten maler\n", 1)
            .replace("      templates:\n        notification: meeting_request_notification\n"
                     "        receipt: complaint_receipt\n        status_changed: status_changed", "", 1)
            .replace("      templates:\n        notification: acquisition_notification\n"
                     "        receipt: complaint_receipt\n",
                     "      templates:  # uten kvittering\n        notification: acquisition_notification\n", 1))
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    assert [str(p) for p in refused.value.problems] == [
        f"line {line_of(text, '# uten kvittering')}: case_types.acquisition.default.templates: names no "
        "template for receipt",
        f"line {line_of(text, '# uten maler')}: case_types.meeting_request.default: 'templates' is missing"]


def test_an_unquoted_orgnr_override_is_refused_at_the_line_of_the_field():
    # An unquoted organisasjonsnummer reads as a number; the message still names the field's line.
    text = SHIPPED.replace("    cooperatives: {}\n",
                           "    cooperatives:\n      942474601:\n        primary: cooperative.board\n"
                           "        resolve_days: 1\n", 1)
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    assert [str(p) for p in refused.value.problems] == [
        f"line {line_of(text, 'resolve_days: 1')}: case_types.complaint.cooperatives.942474601."
        "resolve_days: acknowledge_days (2) must be less than resolve_days (1)"]


def test_an_alias_is_refused_where_it_is_used():
    text = SHIPPED.replace("    categories: {}\n", "    categories: &none {}\n", 1).replace(
        "    cooperatives: {}\n", "    cooperatives: *none\n", 1)
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    assert [str(p) for p in refused.value.problems] == [
        f"line {line_of(text, '*none')}: anchors and aliases are not supported"]


def test_a_conflict_in_a_category_is_reported_with_a_problem_in_the_types_default():
    """One round of fixes is enough: a broken default does not hide its categories' problems."""
    text = SHIPPED.replace("notification: complaint_notification", "notification: complaint_varsel", 1
                           ).replace("    categories: {}\n",
                                     "    categories:\n      noise:\n        resolve_days: 1\n", 1)
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    assert [str(p) for p in refused.value.problems] == [
        f"line {line_of(text, 'complaint_varsel')}: case_types.complaint.default.templates.notification: "
        "no e-mail template named 'complaint_varsel'",
        f"line {line_of(text, 'resolve_days: 1')}: case_types.complaint.categories.noise.resolve_days: "
        "acknowledge_days (2) must be less than resolve_days (1)"]


def test_override_beats_category_beats_type_default():
    text = NOISE_TO_CASE_OFFICER.replace(
        "    cooperatives: {}\n", "    cooperatives:\n      942474601:\n"
        "        primary: contact:kari.johansen@kommune.example\n        resolve_days: 10\n", 1)
    handbook = parse_handbook(text)
    assert handbook.rule_for("complaint", "damage").primary == "municipality.main_contact"
    assert handbook.rule_for("complaint", "noise").primary == "association.case_officer"
    override = handbook.rule_for("complaint", "noise", "942474601")
    assert override.primary == "contact:kari.johansen@kommune.example"
    assert (override.copies, override.acknowledge_days, override.resolve_days) == (
        ("municipality.main_contact",), 2, 10)
    assert handbook.rule_for("complaint", "noise", "997273354").primary == "association.case_officer"


# Versions -----------------------------------------------------------------------------------------

def test_the_file_is_version_one_and_an_unchanged_file_adds_nothing(sessions):
    with unit_of_work(sessions) as session:
        assert current_handbook(session)[0] == 1
    with unit_of_work(sessions) as session:
        assert current_handbook(session)[0] == 1
        assert save_handbook(session, SHIPPED, "kari.johansen@kommune.example", NOW)[0] == 1
        rows = session.execute(select(HandbookVersion)).scalars().all()
    assert [(r.id, r.created_by) for r in rows] == [(1, FROM_FILE)]


def test_saving_a_new_version_records_what_changed(sessions):
    with unit_of_work(sessions) as session:
        version, handbook = save_handbook(session, NOISE_TO_CASE_OFFICER, "kari.johansen@kommune.example", NOW)
    assert version == 2 and handbook.rule_for("complaint", "noise").primary == "association.case_officer"
    with sessions() as session:
        row = session.get_one(HandbookVersion, 2)
    assert row.created_by == "kari.johansen@kommune.example"
    assert row.summary == ("complaint.noise.copies: association.case_officer → municipality.main_contact; "
                           "complaint.noise.primary: municipality.main_contact → association.case_officer")


def test_an_invalid_handbook_is_never_stored(sessions):
    with unit_of_work(sessions) as session:
        with pytest.raises(HandbookError):
            save_handbook(session, SHIPPED.replace("resolve_days: 20", "resolve_days: 1"), "x", NOW)
    with sessions() as session:
        assert session.execute(select(HandbookVersion.id)).scalars().all() in ([], [1])


def test_a_changed_file_becomes_a_new_version_and_a_bad_one_is_ignored(sessions, tmp_path):
    path = tmp_path / "handbook.yaml"
    path.write_text(SHIPPED, encoding="utf-8")
    with unit_of_work(sessions) as session:
        current_handbook(session, path)
        save_handbook(session, NOISE_TO_CASE_OFFICER, "kari.johansen@kommune.example", NOW, path=path)
    with unit_of_work(sessions) as session:
        assert current_handbook(session, path)[0] == 2  # the file has not changed since version 1
    path.write_text(SHIPPED.replace("resolve_days: 20\n      templates:\n        notification: sublet",
                                    "resolve_days: 15\n      templates:\n        notification: sublet"))
    with unit_of_work(sessions) as session:
        version, handbook = current_handbook(session, path)
    assert version == 3 and handbook.rule_for("sublet").resolve_days == 15
    with sessions() as session:
        row = session.get_one(HandbookVersion, 3)
    assert row.created_by == FROM_FILE and "sublet.resolve_days: 20 → 15" in row.summary
    path.write_text("case_types: [", encoding="utf-8")
    with unit_of_work(sessions) as session:
        assert current_handbook(session, path)[0] == 3


def _written(path, text: str, seconds_ago: int) -> None:
    """The file as an editor left it some time ago (a file written just now is read every time)."""
    path.write_text(text, encoding="utf-8")
    then = time.time() - seconds_ago
    os.utime(path, (then, then))


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_still_becomes_a_version(
        sessions, tmp_path, monkeypatch):
    path = tmp_path / "handbook.yaml"
    _written(path, SHIPPED, seconds_ago=600)
    reads = []
    read = handbook_versions._read
    monkeypatch.setattr(handbook_versions, "_read", lambda file: reads.append(file) or read(file))
    for _ in range(3):
        with unit_of_work(sessions) as session:
            assert current_handbook(session, path)[0] == 1
    assert len(reads) == 2  # stored as version 1, then found stored; after that only stat()
    changed = SHIPPED.replace("resolve_days: 20\n      templates:\n        notification: sublet",
                              "resolve_days: 15\n      templates:\n        notification: sublet")
    _written(path, changed, seconds_ago=300)  # the same length: only the stamp's time differs
    assert len(changed) == len(SHIPPED)
    with unit_of_work(sessions) as session:
        version, handbook = current_handbook(session, path)
    assert version == 2 and handbook.rule_for("sublet").resolve_days == 15
    with unit_of_work(sessions) as session:  # a version saved through the API is the newest
        save_handbook(session, NOISE_TO_CASE_OFFICER, "kari.johansen@kommune.example", NOW, path=path)
    with unit_of_work(sessions) as session:
        current_handbook(session, path)
    with unit_of_work(sessions) as session:
        version, handbook = current_handbook(session, path)
    assert version == 3 and handbook.rule_for("complaint", "noise").primary == "association.case_officer"


def test_a_new_version_changes_the_routing_of_new_cases_only(sessions):
    case_a = open_and_route(sessions, "complaint", "noise", event="e-a")
    with unit_of_work(sessions) as session:
        save_handbook(session, NOISE_TO_CASE_OFFICER, "kari.johansen@kommune.example", NOW)
    case_b = open_and_route(sessions, "complaint", "noise", event="e-b")
    with sessions() as session:
        a, b = session.get_one(Case, case_a), session.get_one(Case, case_b)
        assert (a.handbook_version, a.assignee) == (1, "kari.johansen@kommune.example")
        assert (b.handbook_version, b.assignee) == (2, "per.hansen@bonord.example")
        assert rule_for_case(session, a).primary == "municipality.main_contact"
        assert rule_for_case(session, b).primary == "association.case_officer"
        mailed = session.execute(select(Notification.case_id, Notification.recipient)).all()
    assert {(case_a, "kari.johansen@kommune.example"), (case_a, "per.hansen@bonord.example"),
            (case_b, "per.hansen@bonord.example"), (case_b, "kari.johansen@kommune.example")} == set(mailed)


# API ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/api/v1/handbook", None), ("GET", "/api/v1/handbook/versions", None),
    ("PUT", "/api/v1/handbook", {"yaml": SHIPPED}),
])
def test_handbook_api_needs_a_staff_token(client, tokens, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    assert client.open(path, method=method, **kwargs).status_code == 401
    assert client.open(path, method=method, headers=auth("shd_wrong"), **kwargs).status_code == 401
    assert client.open(path, method=method, headers=auth(tokens["cooperative"]), **kwargs).status_code == 403
    for party in ("municipality", "association", "system"):
        assert client.open(path, method=method, headers=auth(tokens[party]), **kwargs).status_code == 200


def test_get_the_current_handbook(client, tokens):
    body = client.get("/api/v1/handbook", headers=auth(tokens["association"])).get_json()
    assert (body["version"], body["created_by"], body["yaml"]) == (1, FROM_FILE, SHIPPED)
    noise = next(r for r in body["rules"] if (r["case_type"], r["category"]) == ("complaint", "noise"))
    assert noise == {"case_type": "complaint", "category": "noise", "cooperative_orgnr": None,
                     "primary": "municipality.main_contact", "copies": ["association.case_officer"],
                     "acknowledge_days": 2, "resolve_days": 20, "reminder_fraction": 0.75,
                     "escalate_to": "leader", "templates": noise["templates"]}
    assert noise["templates"]["notification"] == "complaint_notification"


def test_put_a_new_version_then_list_the_versions(client, tokens):
    headers = auth(tokens["municipality"])
    saved = client.put("/api/v1/handbook", json={"yaml": NOISE_TO_CASE_OFFICER}, headers=headers)
    assert saved.status_code == 200
    body = saved.get_json()
    assert (body["version"], body["created_by"]) == (2, "kari.johansen@kommune.example")
    assert "complaint.noise.primary: municipality.main_contact → association.case_officer" in body["summary"]
    again = client.put("/api/v1/handbook", json={"yaml": NOISE_TO_CASE_OFFICER}, headers=headers)
    assert again.get_json()["version"] == 2  # the same text is no new version
    assert client.get("/api/v1/handbook", headers=headers).get_json()["version"] == 2
    versions = client.get("/api/v1/handbook/versions", headers=headers).get_json()["items"]
    assert [(v["id"], v["created_by"]) for v in versions] == [
        (2, "kari.johansen@kommune.example"), (1, FROM_FILE)]
    assert versions[1]["summary"] == "Første versjon."


def test_put_an_invalid_handbook_is_422_with_the_line(client, tokens):
    text = SHIPPED.replace("acknowledge_days: 2\n", "acknowledge_days: 25\n")
    response = client.put("/api/v1/handbook", json={"yaml": text}, headers=auth(tokens["system"]))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"]["yaml"] == [
        f"line {line_of(text, 'acknowledge_days: 25')}: case_types.complaint.default.acknowledge_days: "
        "acknowledge_days (25) must be less than resolve_days (20)"]
    syntax = client.put("/api/v1/handbook", json={"yaml": "case_types: [\n"}, headers=auth(tokens["system"]))
    assert syntax.status_code == 422 and syntax.get_json()["error"]["fields"]["yaml"][0].startswith("line 2: ")
    assert client.put("/api/v1/handbook", json={"yaml": SHIPPED, "extra": 1},
                      headers=auth(tokens["system"])).status_code == 422
    assert client.get("/api/v1/handbook", headers=auth(tokens["system"])).get_json()["version"] == 1


def test_the_mail_uses_the_template_the_cases_handbook_names(sessions, settings):
    from services.notifier.case_mail import compose_case_mail
    from services.notifier.mail import template_environment

    first = open_and_route(sessions, "complaint", "noise", event="e-a")
    renamed = SHIPPED.replace("notification: complaint_notification", "notification: complaint_receipt")
    with unit_of_work(sessions) as session:
        save_handbook(session, renamed, "kari.johansen@kommune.example", NOW)
    second = open_and_route(sessions, "complaint", "noise", event="e-b")
    subjects = {}
    with sessions() as session:
        for case_id in (first, second):
            notification = session.execute(select(Notification).where(
                Notification.case_id == case_id, Notification.kind == "case_notification").limit(1)).scalar_one()
            message = compose_case_mail(session, notification, settings=settings, env=template_environment())
            subjects[case_id] = message["Subject"]
    assert subjects[first].startswith("Ny klage") and subjects[second].startswith("Kvittering")
