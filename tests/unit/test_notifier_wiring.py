"""The notifier's wiring: one handler per message type, and one Celery task per handler."""
from __future__ import annotations

from services.notifier.handlers import HANDLERS
from services.notifier.worker import RETRY, create_worker_app
from shared import messages

NOTIFIER_TASKS = {value for name, value in vars(messages).items()
                  if name.endswith("_TASK") and value.startswith("notifier.")}


def test_every_notifier_task_has_one_handler():
    assert {message.task_name for message in HANDLERS} == NOTIFIER_TASKS
    assert all(callable(handler) for handler in HANDLERS.values())


def test_the_worker_registers_a_task_per_handler_with_the_retry_policy(settings):
    app = create_worker_app(settings)
    for name in NOTIFIER_TASKS:
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost
        assert task.max_retries == RETRY["max_retries"] == 12
        assert task.retry_backoff == 2 and task.retry_backoff_max == 60 and task.retry_jitter
        assert set(task.autoretry_for) == set(RETRY["autoretry_for"])
