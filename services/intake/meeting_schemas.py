"""Request and response schemas of the meetings and compliance API. The messages are message ids
(shared.i18n.N_, schemas.Message), in bokmål for the API and translated on the workspace's pages."""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from shared.i18n import DEFAULT_LANGUAGE, N_, STAFF_LANGUAGES

from .schemas import REQUIRED, Email, Message, StrictSchema, Text, _length, valid_email

CASE_ACTIONS = ["resolve", "reject"]


class MeetingChangeSchema(StrictSchema):
    starts_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "New start, ISO 8601 with an offset; the meeting keeps its length"},
        error_messages={**REQUIRED, "invalid": N_("Skriv tidspunktet som ÅÅÅÅ-MM-DDTtt:mm:ss+01:00."),
                        "invalid_awareness": N_("Tidspunktet må ha tidssone, f.eks. +01:00.")},
    )
    location = Text(validate=_length(1, 200))
    override_deadline = fields.Boolean(
        load_default=False,
        metadata={"description": "Hold a requested meeting after its 21-day deadline anyway (recorded)"},
    )
    override_reason = Text(
        load_default=None, validate=_length(None, 1000),
        metadata={"description": "Why the deadline is overridden; written into each request's history"},
    )
    agreed_by = Text(
        load_default=None, validate=[_length(None, 254), valid_email],
        metadata={"description": "E-mail of the other party's contact who agreed to a notice shorter than "
                                 "the minimum (5 working days); required for such a move, and recorded"},
    )

    @validates("starts_at")
    def _plausible(self, value: dt.datetime, **_: Any) -> None:
        if not 2000 <= value.year <= 2100:
            raise ValidationError(N_("Tidspunktet må ligge mellom år 2000 og 2100."))


class DecisionSchema(StrictSchema):
    agenda_item = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=10000),
        metadata={"description": "The agenda item's position"}, error_messages=REQUIRED,
    )
    decision = Text(required=True, multiline=True, validate=_length(1, 5000))
    case_action = Text(
        load_default=None, allow_none=True,
        validate=validate.OneOf(CASE_ACTIONS, error=Message("Velg en av: {choices}.")),
        metadata={"description": "Resolve or reject the item's case with this decision"},
    )


class MinutesSchema(StrictSchema):
    summary = Text(required=True, multiline=True, validate=_length(1, 20000))
    present = fields.List(
        Email(validate=_length(None, 254)), load_default=None,
        validate=validate.Length(max=200, error=Message("Høyst {max} deltakere.")),
        metadata={"description": "E-mail addresses of the committee's members who attended; the others "
                                 "are recorded as absent. Left out: attendance not recorded"},
    )
    decisions = fields.List(fields.Nested(DecisionSchema), load_default=list,
                            validate=validate.Length(max=200, error=Message("Høyst {max} vedtak.")))

    @validates("decisions")
    def _one_per_item(self, value: list[dict[str, Any]], **_: Any) -> None:
        positions = [decision["agenda_item"] for decision in value]
        if len(positions) != len(set(positions)):
            raise ValidationError(N_("Ett vedtak per punkt på dagsordenen."))


class MinutesConfirmationSchema(StrictSchema):
    remarks = Text(load_default=None, multiline=True, validate=_length(None, 20000),
                   metadata={"description": "The confirming party's remarks on the minutes"})


class DocumentQuerySchema(StrictSchema):
    lang = Text(load_default=DEFAULT_LANGUAGE, validate=validate.OneOf(STAFF_LANGUAGES, error=Message(
        "Velg en av: {choices}.")), metadata={"description": "The document's language: nb (bokmål) or nn (nynorsk)"})


class ComplianceQuerySchema(StrictSchema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "Defaults to this year (Europe/Oslo)"})
    agreement = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "The agreement's id; defaults to the caller's only agreement (422 when they have several)"})


# Responses
class AgendaItemOut(Schema):
    position = fields.Integer()
    title = fields.String()
    source = fields.String()
    decision = fields.String(allow_none=True)


class MeetingOut(Schema):
    id = fields.Integer()
    uid = fields.String()
    kind = fields.String()
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    location = fields.String()
    status = fields.String()
    sequence = fields.Integer()
    moved_at = fields.DateTime(allow_none=True)
    moved_by = fields.String(allow_none=True)
    notice_agreed_by = fields.String(
        allow_none=True, metadata={"description": "The other party's contact who agreed to a shorter notice"})


class MeetingDetailOut(MeetingOut):
    agenda = fields.List(fields.Nested(AgendaItemOut))
    minutes = fields.Dict(allow_none=True, metadata={
        "description": "Summary, decisions and confirmations, once held. A decision closing another party's "
                       "case has state `proposed` (awaiting that party) until that party confirms the minutes; "
                       "then `applied`, or `lapsed` when the case had moved on"})
    ics_url = fields.String()


class MeetingListOut(Schema):
    items = fields.List(fields.Nested(MeetingOut))


class FixedMeetingOut(Schema):
    id = fields.Integer()
    date = fields.Date()
    status = fields.String()


class FixedMeetingsOut(Schema):
    required = fields.Integer()
    held = fields.Integer()
    planned = fields.Integer()
    meetings = fields.List(fields.Nested(FixedMeetingOut))


class RequestComplianceOut(Schema):
    reference = fields.String()
    requested_on = fields.Date()
    deadline = fields.Date()
    meeting_on = fields.Date(allow_none=True)
    meeting_status = fields.String(allow_none=True)
    days_taken = fields.Integer(allow_none=True)
    within_deadline = fields.Boolean(allow_none=True, metadata={"description": "None while unbooked and not late"})
    notice = fields.String(allow_none=True, metadata={
        "description": "kept (the minimum notice), agreed (shorter, both parties agreed), short; None unbooked"})
    met = fields.Boolean(allow_none=True, metadata={
        "description": "Within 21 days and the notice kept or agreed; None while unbooked and not late"})
    open = fields.Boolean()


class DeadlineComplianceOut(Schema):
    case_type = fields.String()
    kind = fields.String()
    total = fields.Integer()
    met = fields.Integer()
    missed = fields.Integer()
    pending = fields.Integer()
    escalated = fields.Integer()


class ComplianceOut(Schema):
    year = fields.Integer()
    agreement = fields.Integer(metadata={"description": "The agreement the report is for"})
    fixed_meetings = fields.Nested(FixedMeetingsOut)
    meeting_requests = fields.List(fields.Nested(RequestComplianceOut))
    deadlines = fields.List(fields.Nested(DeadlineComplianceOut))
