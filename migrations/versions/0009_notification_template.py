"""each notification stores the e-mail template chosen when it was planned

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-10

Rows already there get the template the notifier chose for their kind until now: the one the
case's handbook version names for that kind of mail, else the case type's own (the summary copy
and the meeting mails have fixed ones).
"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FIXED = {"summary_copy": "case_summary", "invitation": "meeting_invitation", "minutes": "meeting_minutes",
         "meeting_booked": "meeting_answer", "meeting_joined": "meeting_answer",
         "meeting_no_slot": "meeting_answer"}
DEFAULTS = {"receipt": "complaint_receipt", "status_changed": "status_changed",
            "reminder": "deadline_reminder", "escalation": "deadline_escalation"}


def _mail(kind: str) -> str | None:
    """Which of the handbook's kinds of mail a notification kind was; None for the fixed ones."""
    if kind in FIXED or kind.startswith("meeting_reminder_"):
        return None
    if kind in ("case_notification", "assigned"):
        return "notification"
    if kind == "receipt":
        return "receipt"
    if kind.startswith("status_"):
        return "status_changed"
    return kind.split("_", 1)[0]  # reminder_<deadline>, escalation_<deadline>


def _named(sources: dict[int, str], parsed: dict[int, object], version: int | None, case: tuple) -> dict:
    """The templates the case's handbook version names; none when it cannot be read today."""
    if version is None or version not in sources:
        return {}
    if version not in parsed:
        from shared.handbook import HandbookError, parse_handbook

        try:
            parsed[version] = parse_handbook(sources[version])
        except HandbookError:
            parsed[version] = None
    handbook = parsed[version]
    return dict(handbook.rule_for(*case).templates) if handbook is not None else {}


def _template(kind: str, case_type: str | None, named: dict[str, str]) -> str:
    if kind.startswith("meeting_reminder_"):
        return "meeting_reminder"
    mail = _mail(kind)
    if mail is None:
        return FIXED[kind]
    if mail in named:
        return named[mail]
    return f"{case_type}_notification" if mail == "notification" else DEFAULTS[mail]


def upgrade() -> None:
    op.add_column('notification', sa.Column('template', sa.String(length=60), nullable=True))
    connection = op.get_bind()
    sources = dict(connection.execute(sa.text("SELECT id, source FROM handbook_version")).all())
    rows = connection.execute(sa.text(
        'SELECT n.id, n.kind, c.type, c.category, o.orgnr, c.handbook_version FROM notification n '
        'LEFT JOIN "case" c ON c.id = n.case_id LEFT JOIN cooperative o ON o.id = c.cooperative_id'
    )).all()
    parsed: dict[int, object] = {}
    chosen: dict[str, list[int]] = defaultdict(list)
    for notification_id, kind, case_type, category, orgnr, version in rows:
        named = _named(sources, parsed, version, (case_type, category, orgnr)) if case_type else {}
        chosen[_template(kind, case_type, named)].append(notification_id)
    update = sa.text("UPDATE notification SET template = :template WHERE id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True))
    for template, ids in chosen.items():
        for start in range(0, len(ids), 500):
            connection.execute(update, {"template": template, "ids": ids[start:start + 500]})
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('template', existing_type=sa.String(length=60), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('template')
