"""Request and response schemas of the staff API; the OpenAPI document is built from them."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from shared.board_approval import DECISIONS as BOARD_DECISIONS
from shared.deadlines import STATES as DEADLINE_STATES
from shared.i18n import N_
from shared.lifecycle import STAFF_ACTIONS
from shared.vocabulary import CASE_STATUSES, CASE_TYPES

from .schemas import DATE_ERRORS, REQUIRED, OrgNumber, StrictSchema, Text, _length, today, valid_email, valid_orgnr


def _not_past(value: Any) -> None:
    if value is not None and value < today():
        raise ValidationError(N_("Datoen kan ikke være tilbake i tid."))


def _not_future(value: Any) -> None:
    if value is not None and value > today():
        raise ValidationError(N_("Datoen kan ikke være fram i tid."))


class AcquisitionSchema(StrictSchema):
    cooperative_orgnr = OrgNumber(required=True, validate=valid_orgnr)
    share_number = Text(required=True, validate=_length(1, 20))
    address = Text(required=True, validate=_length(1, 200))
    planned_date = fields.Date(required=True, error_messages=DATE_ERRORS)
    note = Text(load_default="", multiline=True, validate=_length(None, 5000))
    board_asked_on = fields.Date(
        load_default=None, validate=_not_future, error_messages=DATE_ERRORS,
        metadata={"description": "The day the board was asked to approve the municipality as owner "
                                 "(default: today); its 20-day limit counts from it (burettslagslova § 4-5)"},
    )

    @validates("planned_date")
    def _planned_not_past(self, value: Any, **_: Any) -> None:
        _not_past(value)


class SubletSchema(StrictSchema):
    cooperative_orgnr = OrgNumber(required=True, validate=valid_orgnr)
    share_number = Text(required=True, validate=_length(1, 20))
    move_in_date = fields.Date(required=True, error_messages=DATE_ERRORS)
    tenant_household = Text(required=True, multiline=True, validate=_length(1, 500))
    question = Text(required=True, multiline=True, validate=_length(10, 5000))


class MeetingRequestSchema(StrictSchema):
    party = Text(required=True,
                 validate=validate.OneOf(["municipality", "association"], error="Velg en av: {choices}."))
    reason = Text(required=True, multiline=True, validate=_length(10, 2000))
    topics = fields.List(
        Text(validate=_length(1, 300)), required=True,
        validate=validate.Length(min=1, max=20, error=N_("Oppgi mellom 1 og 20 saker.")),
        error_messages=REQUIRED,
    )
    agreement = fields.Integer(
        load_default=None, strict=True, validate=validate.Range(min=1, error="Velg en av avtalene dine."),
        error_messages={"invalid": "Oppgi avtalens nummer."},
        metadata={"description": "The agreement whose committee meets; defaults to the caller's only one"},
    )


class TransitionSchema(StrictSchema):
    action = Text(required=True, validate=validate.OneOf(STAFF_ACTIONS, error="Velg en av: {choices}."))
    comment = Text(load_default="", multiline=True, validate=_length(None, 5000))
    to = Text(load_default=None, validate=[_length(None, 254), valid_email])


class BoardDecisionSchema(StrictSchema):
    decision = Text(required=True, validate=validate.OneOf(BOARD_DECISIONS, error="Velg en av: {choices}."))
    comment = Text(load_default="", multiline=True, validate=_length(None, 5000))
    received_on = fields.Date(
        load_default=None, validate=_not_future, error_messages=DATE_ERRORS,
        metadata={"description": "The day the board's answer reached the municipality (default: today)"},
    )


class CaseQuerySchema(StrictSchema):
    type = Text(validate=validate.OneOf(list(CASE_TYPES), error="Velg en av: {choices}."))
    status = Text(validate=validate.OneOf(list(CASE_STATUSES), error="Velg en av: {choices}."))
    assignee = Text(validate=_length(None, 254))
    overdue = fields.Boolean(metadata={"description": "Only cases with a missed deadline (or none)"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


# Responses
class CooperativeOut(Schema):
    orgnr = fields.String()
    name = fields.String()
    homes = fields.Integer()


class ShareOut(Schema):
    municipality_owned = fields.Integer()
    percent = fields.Float()


class AcquisitionOut(Schema):
    reference = fields.String()
    status = fields.String()
    cooperative = fields.Nested(CooperativeOut)
    before = fields.Nested(ShareOut)
    after = fields.Nested(ShareOut)
    cap = fields.Integer(allow_none=True, metadata={
        "description": "Most homes public owners may own together; null: no limit (a sameie without a bylaws limit)"})
    cap_rule = fields.String(metadata={"description": "The rule applied, citing its statute"})
    warning = fields.String(allow_none=True)


class CreatedOut(Schema):
    reference = fields.String()
    status = fields.String()


class SubletOut(CreatedOut):
    board_approval = fields.Boolean(metadata={"description": "false in a sameie: the notice informs the committee"})
    note = fields.String()


class MeetingRequestOut(CreatedOut):
    deadline = fields.Date(metadata={"description": "Request date + 21 days, Europe/Oslo"})
    meeting = fields.Raw(allow_none=True, metadata={"description": "The booked meeting, once booked"})


class HistoryOut(Schema):
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    comment = fields.String()
    public = fields.Boolean()


class DeadlineOut(Schema):
    kind = fields.String(metadata={"description": "acknowledge | resolve | board_approval"})
    days = fields.Integer(metadata={"description": "Length of the deadline, in days of day_type"})
    day_type = fields.String(validate=validate.OneOf(["working", "calendar"]),
                             metadata={"description": "working: Norwegian working days; calendar: every day"})
    due_at = fields.DateTime(metadata={"description": "When it runs out, with the Europe/Oslo offset"})
    remind_at = fields.DateTime(metadata={"description": "When the reminder is due"})
    state = fields.String(
        validate=validate.OneOf(DEADLINE_STATES),
        metadata={"description": "open: running; met: met in time; missed: met late, or passed unmet; "
                                 "closed: ended unmet before it was due (the case was closed)"},
    )
    reminded_at = fields.DateTime(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)
    met_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class SubmitterOut(Schema):
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    role = fields.String(allow_none=True)


class CaseOut(Schema):
    reference = fields.String()
    type = fields.String()
    status = fields.String()
    cooperative = fields.Nested(CooperativeOut, allow_none=True)
    category = fields.String(allow_none=True)
    description = fields.String()
    share_number = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    occurred_on = fields.Date(allow_none=True)
    submitter = fields.Nested(SubmitterOut)
    assignee = fields.String(allow_none=True)
    unrouted = fields.Boolean()
    overdue = fields.Boolean()
    details = fields.Dict()
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    allowed_actions = fields.List(fields.String())


class CaseDetailOut(CaseOut):
    history = fields.List(fields.Nested(HistoryOut))
    deadlines = fields.List(fields.Nested(DeadlineOut))


class CasePageOut(Schema):
    items = fields.List(fields.Nested(CaseOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ErrorBody(Schema):
    code = fields.String()
    message = fields.String()
    field_messages = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.List(fields.String())
    )


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)
