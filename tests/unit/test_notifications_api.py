"""Failed e-mails are listed and can be sent again."""
from __future__ import annotations

from sqlalchemy import select, update

from shared.db import unit_of_work
from shared.models import Notification, OutboxEvent
from tests.support.api import auth
from tests.unit.test_routing import route, submit


def test_failed_notifications_are_listed_and_retried(client, tokens, sessions, complaint):
    route(sessions, submit(sessions, complaint), event_id="event-1")
    with unit_of_work(sessions) as session:
        first = session.execute(select(Notification).order_by(Notification.id)).scalars().first()
        first.status, first.last_error = "failed", "550 5.1.1 mailbox unavailable"
        failed_id = first.id
    headers = auth(tokens["municipality"])

    listed = client.get("/api/v1/notifications?status=failed", headers=headers).get_json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == failed_id and "550" in listed["items"][0]["last_error"]
    assert listed["items"][0]["reference"].startswith("KL-")

    retried = client.post(f"/api/v1/notifications/{failed_id}/retry", headers=headers)
    assert retried.status_code == 202 and retried.get_json()["status"] == "pending"
    with sessions() as session:
        events = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "NotificationRetried")).scalars().all()
    assert events == [{"event_id": events[0]["event_id"], "notification_id": failed_id}]
    assert client.post(f"/api/v1/notifications/{failed_id}/retry", headers=headers).status_code == 409
    assert client.post("/api/v1/notifications/999999/retry", headers=headers).status_code == 404
    assert client.get("/api/v1/notifications?status=lost", headers=headers).status_code == 422


def test_notifications_need_a_staff_token(client, tokens):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/api/v1/notifications", headers=auth(tokens["cooperative"])).status_code == 403
    assert client.post("/api/v1/notifications/1/retry", headers=auth(tokens["cooperative"])).status_code == 403


def test_retry_delivers_the_one_notification(sessions, complaint, settings):
    from services.notifier.runner import consume
    from shared.messages import NotificationRetried
    from shared.runtime import Resources
    from tests.unit.test_delivery import RecordingMailer

    route(sessions, submit(sessions, complaint), event_id="event-1")
    with unit_of_work(sessions) as session:
        session.execute(update(Notification).values(status="sent"))
        row = session.execute(select(Notification).order_by(Notification.id)).scalars().first()
        row.status = "pending"
    resources = Resources(settings)
    mailer = RecordingMailer()
    event = NotificationRetried(event_id="retry-1", notification_id=row.id)
    assert consume(resources, event, mailer) == {"sent": 1}
    assert consume(resources, event, mailer) == {}  # redelivered: nothing more
    assert [m["To"].addresses[0].addr_spec for m in mailer.sent] == [row.recipient]
