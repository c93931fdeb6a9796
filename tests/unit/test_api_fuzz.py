"""schemathesis against /api/openapi.json: generated requests over every operation.

No request may get a 5xx, and every answer must match the documented schema.
"""
from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from services.intake.tokens import create_token
from shared.db import unit_of_work
from shared.models import utcnow

# Check digits, the directory and the lifecycle are rules no JSON schema can express, so a
# schema-valid request may still get a 422/404/409: that is not checked, everything else is.
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 200
MINIMUM_REQUESTS = 1000


def test_generated_requests_get_documented_answers(app, sessions):
    with unit_of_work(sessions) as session:
        token, _ = create_token(session, now=utcnow(), system="schemathesis", party="system")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    sent: Counter[str] = Counter()

    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  derandomize=True, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            sent[f"{case.method} {case.operation.path}"] += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        exercise()

    print(f"\nschemathesis: {sum(sent.values())} requests over {len(sent)} operations: {dict(sent)}")
    assert len(sent) >= 7
    assert sum(sent.values()) >= MINIMUM_REQUESTS
