"""The migration that stores each notification's template fills the rows already there with the
template the notifier chose for their kind: the one the case's handbook version names, else the
case type's own, and the meeting mails' fixed ones."""
from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from shared.cli import alembic_config
from shared.db import make_engine
from shared.handbook import DEFAULT_PATH

HANDBOOK = DEFAULT_PATH.read_text(encoding="utf-8").replace(
    "receipt: complaint_receipt", "receipt: status_changed", 1)  # the complaint's receipt only
KINDS = {
    # kind: (case, expected template)
    "case_notification": ("KL", "complaint_notification"),
    "assigned": ("FR", "sublet_notification"),
    "receipt": ("KL", "status_changed"),  # named by the complaint's handbook version
    "summary_copy": ("KL", "case_summary"),
    "status_resolve": ("FR", "status_changed"),
    "reminder_acknowledge": ("KL", "deadline_reminder"),
    "escalation_resolve": ("FR", "deadline_escalation"),
    "meeting_no_slot": ("MO", "meeting_answer"),
    "invitation": (None, "meeting_invitation"),
    "meeting_reminder_7": (None, "meeting_reminder"),
    "minutes": (None, "meeting_minutes"),
}


def test_existing_notifications_get_the_template_their_kind_had(base_settings, tmp_path):
    settings = base_settings.with_overrides(database_url=f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(settings)
    script = ScriptDirectory.from_config(config)
    [ours] = [r for r in script.walk_revisions() if "notification_template" in (r.module.__file__ or "")]
    command.upgrade(config, ours.down_revision)
    engine = make_engine(settings.database_url)
    cases = {"KL": (1, "complaint", 1), "FR": (2, "sublet", None), "MO": (3, "meeting_request", None)}
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO handbook_version (id, created_at, created_by, source, summary) "
                                "VALUES (1, '2027-01-01', 'fil', :source, '')"), {"source": HANDBOOK})
        for prefix, (case_id, case_type, version) in cases.items():
            connection.execute(text(
                "INSERT INTO \"case\" (id, reference, type, status, tracking_token, unrouted, overdue, "
                "version, details, created_at, updated_at, description, handbook_version) VALUES "
                "(:id, :ref, :type, 'routed', :token, 0, 0, 1, '{}', '2027-01-01', '2027-01-01', '', :v)"),
                {"id": case_id, "ref": f"{prefix}-2027-0001", "type": case_type, "token": prefix, "v": version})
        for number, (kind, (prefix, _)) in enumerate(KINDS.items()):
            connection.execute(text(
                "INSERT INTO notification (id, event_id, case_id, recipient, recipient_name, kind, status, "
                "message_id, attempts, last_error, created_at) VALUES "
                "(:id, 'e', :case_id, :recipient, '', :kind, 'sent', '<m>', 1, '', '2027-01-01')"),
                {"id": number + 1, "case_id": cases[prefix][0] if prefix else None,
                 "recipient": f"r{number}@example.org", "kind": kind})
    command.upgrade(config, "head")
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT kind, template FROM notification")).all())
    engine.dispose()
    assert stored == {kind: template for kind, (_, template) in KINDS.items()}
