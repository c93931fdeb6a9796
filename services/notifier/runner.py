"""Running an event through the notifier, once: its handler plans the e-mails and they are
claimed and composed, all in one transaction; then they are sent, and the event is recorded as
processed by the statement that finds nothing of it left unsent, so a second delivery is a no-op."""
from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from jinja2 import Environment
from sqlalchemy import ColumnElement, Connection

from shared.db import one_connection, unit_of_work
from shared.inbox import is_processed, mark_processed_unless
from shared.messages import Event
from shared.runtime import Resources

from .composers import compose_letters
from .delivery import claim_and_compose, keep_loaded, of_event, send_claimed
from .handlers import GUARDS_ITSELF, HANDLERS
from .mail import Mailer, template_environment
from .planning import Deps

CONSUMER = "notifier"


def consume(
    resources: Resources, event: Event, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """Plan and claim, send, mark; the outcome counts the e-mails by status ({} when done before)."""
    settings = resources.settings
    # The event in hand is what its outbox row announced: composing need not read it back.
    composer = partial(compose_letters, settings=settings, env=env or template_environment(),
                       announced={event.event_id: event.to_payload()})

    def finish(connection: Connection, unsent: ColumnElement[bool], params: Mapping[str, Any]) -> bool:
        return mark_processed_unless(connection, event.event_id, CONSUMER, unsent, params)

    with one_connection(resources.sessions) as sessions:
        with unit_of_work(sessions) as session:
            if type(event) not in GUARDS_ITSELF and is_processed(session, event.event_id, CONSUMER):
                return {}
            keep_loaded(session)
            deps = Deps(session, settings, event.event_id)
            HANDLERS[type(event)](event, deps)
            letters = of_event(event.event_id, deps.resent)
            # What the handler planned it claimed as it planned it; the claim statement is still
            # needed for a key planned before (pending again, or a stale claim) or a letter resent.
            claimed = claim_and_compose(session, letters, composer, settings.send_claim_timeout,
                                        deps.claimed.rows, claim=not deps.claimed.complete or bool(deps.resent))
        return send_claimed(sessions, letters, claimed, mailer, settings.send_claim_timeout, finish)
