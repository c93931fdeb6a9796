"""Running an event through the notifier, once: its handler plans the e-mails in one transaction,
then they are sent, then the event is recorded as processed, so a second delivery is a no-op."""
from __future__ import annotations

from functools import partial

from jinja2 import Environment
from sqlalchemy import or_

from shared.db import one_connection, unit_of_work
from shared.inbox import is_processed, mark_processed
from shared.messages import Event
from shared.models import Notification
from shared.runtime import Resources

from .composers import compose_letters
from .delivery import deliver
from .handlers import HANDLERS
from .mail import Mailer, template_environment
from .planning import Deps

CONSUMER = "notifier"


def consume(
    resources: Resources, event: Event, mailer: Mailer, env: Environment | None = None
) -> dict[str, int]:
    """Plan, send, mark; the outcome counts the e-mails by status ({} when done before)."""
    settings = resources.settings
    composer = partial(compose_letters, settings=settings, env=env or template_environment())
    with one_connection(resources.sessions) as sessions:
        with unit_of_work(sessions) as session:
            if is_processed(session, event.event_id, CONSUMER):
                return {}
            deps = Deps(session, settings, event.event_id)
            HANDLERS[type(event)](event, deps)
        letters = or_(Notification.event_id == event.event_id, Notification.id.in_(deps.resent))
        outcome = deliver(sessions, letters, composer, mailer, settings.send_claim_timeout)
        with unit_of_work(sessions) as session:
            mark_processed(session, event.event_id, CONSUMER)
    return outcome
