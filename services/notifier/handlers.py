"""The notifier's event handlers: each loads what its event names, asks the domain, and queues
the e-mails (services/notifier/planning.py). services/notifier/runner.py runs one per event, in
one transaction, and sends what it queued; HANDLERS at the bottom is the whole table."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.access import may_sign_in
from shared.board_approval import BOARD_APPROVAL
from shared.committee import committee
from shared.deadlines import open_deadlines
from shared.directory import contact_by_email
from shared.messages import (
    CaseStatusChanged,
    CaseSubmitted,
    DeadlineMissed,
    DeadlineReminderDue,
    Event,
    MeetingReminderDue,
    MeetingRequestAnswered,
    MeetingScheduled,
    MinutesRecorded,
    NotificationRetried,
    SignInRequested,
)
from shared.models import Case, Meeting, SignInLink, utcnow

from .directory import leaders, main_contact
from .planning import Deps
from .routing import escalation_target, route_case

# What the submitter is mailed about: these status changes, and a public comment ("comment",
# shared.lifecycle.REMARKS), which changes no status but is written to them.
STATUS_MAIL_ACTIONS = ("acknowledge", "resolve", "reject", "reopen", "comment")


def handle_case_submitted(message: CaseSubmitted, deps: Deps) -> None:
    """Route the case and queue its e-mails; its deadlines are the routing rule's."""
    settings = deps.settings
    routed = route_case(deps.session, message.case_id, message.event_id, now=utcnow(),
                        mail_domain=deps.domain, handbook_path=settings.handbook_path,
                        tz_name=settings.tz_name, claimed=deps.claimed)
    if routed is not None:
        open_deadlines(deps.session, routed.case, routed.rule, now=utcnow(), tz_name=settings.tz_name)


def handle_status_changed(message: CaseStatusChanged, deps: Deps) -> None:
    """Tell the submitter about acknowledge/resolve/reject/reopen and a public comment, and a new
    assignee about a handover."""
    case = deps.session.get_one(Case, message.case_id)
    if message.action in STATUS_MAIL_ACTIONS and case.submitter_email:
        deps.queue_case_mail(case, case.submitter_email, case.submitter_name or "",
                             f"status_{message.action}", "status_changed")
    assignee = contact_by_email(deps.session, case.assignee)
    if message.action == "reassign" and assignee is not None:
        deps.queue_case_mail(case, assignee.email, assignee.name, "assigned", "notification")


def handle_notification_retried(message: NotificationRetried, deps: Deps) -> None:
    """Send one failed notification again, after a person asked for it."""
    deps.resend(message.notification_id)


def handle_deadline_reminder(message: DeadlineReminderDue, deps: Deps) -> None:
    """The assignee is reminded; of a board's limit on an acquisition, the municipality's main
    contact, since the refusal must reach the municipality (burettslagslova § 4-5)."""
    case = deps.session.get_one(Case, message.case_id)
    target = (main_contact(deps.session, case.agreement_id) if message.kind == BOARD_APPROVAL
              else contact_by_email(deps.session, case.assignee))
    if target is not None:
        deps.queue_case_mail(case, target.email, target.name, f"reminder_{message.kind}", "reminder")


def handle_deadline_missed(message: DeadlineMissed, deps: Deps) -> None:
    """A missed deadline goes where the case's handbook rule escalates to."""
    case = deps.session.get_one(Case, message.case_id)
    target = escalation_target(deps.session, case, deps.settings.tz_name)
    if target is not None:
        deps.queue_case_mail(case, target.email, target.name, f"escalation_{message.kind}", "escalation")


def handle_meeting_scheduled(message: MeetingScheduled, deps: Deps) -> None:
    """Every committee member gets the invitation (or its update, or the cancellation)."""
    meeting = deps.session.get(Meeting, message.meeting_id)
    # A later change (higher SEQUENCE) has its own event: the members hear of that one only.
    if meeting is not None and meeting.sequence <= message.sequence:
        for member in committee(deps.session, meeting.agreement_id):
            deps.queue(member.email, member.name, "invitation", "meeting_invitation")


def handle_meeting_request_answered(message: MeetingRequestAnswered, deps: Deps) -> None:
    """The requester hears what happened; with no slot, both parties' leaders are alerted too."""
    case = deps.session.get_one(Case, message.case_id)
    recipients = [contact_by_email(deps.session, case.created_by)]
    if message.outcome == "no_slot":
        recipients += leaders(deps.session, case.agreement_id)
    for contact in {c.email: c for c in recipients if c is not None}.values():
        deps.queue(contact.email, contact.name, f"meeting_{message.outcome}", "meeting_answer", case)


def handle_meeting_reminder_due(message: MeetingReminderDue, deps: Deps) -> None:
    meeting = deps.session.get_one(Meeting, message.meeting_id)
    for member in committee(deps.session, meeting.agreement_id):
        deps.queue(member.email, member.name, f"meeting_reminder_{message.days_before}", "meeting_reminder")


def handle_minutes_recorded(message: MinutesRecorded, deps: Deps) -> None:
    meeting = deps.session.get_one(Meeting, message.meeting_id)
    for member in committee(deps.session, meeting.agreement_id):
        deps.queue(member.email, member.name, "minutes", "meeting_minutes")


def handle_sign_in_requested(message: SignInRequested, deps: Deps) -> None:
    """The contact who asked gets the link, if they may still sign in; nobody else ever does."""
    link = deps.session.get(SignInLink, message.link_id)
    contact = contact_by_email(deps.session, link.email) if link is not None else None
    if contact is not None and may_sign_in(contact):
        deps.queue(contact.email, contact.name, "sign_in", "sign_in")


Handler = Callable[[Any, Deps], None]

# Events whose handler finds by itself that it has run: routing leaves a case that is no longer
# "received" alone. The runner does not ask whether such an event was processed before handling
# it (one statement fewer for every new case); a second delivery plans nothing, claims nothing
# and finds the event's record written.
GUARDS_ITSELF: frozenset[type[Event]] = frozenset({CaseSubmitted})

HANDLERS: dict[type[Event], Handler] = {
    CaseSubmitted: handle_case_submitted,
    CaseStatusChanged: handle_status_changed,
    NotificationRetried: handle_notification_retried,
    DeadlineReminderDue: handle_deadline_reminder,
    DeadlineMissed: handle_deadline_missed,
    MeetingScheduled: handle_meeting_scheduled,
    MeetingRequestAnswered: handle_meeting_request_answered,
    MeetingReminderDue: handle_meeting_reminder_due,
    MinutesRecorded: handle_minutes_recorded,
    SignInRequested: handle_sign_in_requested,
}
