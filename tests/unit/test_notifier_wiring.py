"""The notifier's wiring: one handler per message type, and one Celery task per handler."""
from __future__ import annotations

from celery.signals import worker_init

from services.notifier import worker
from services.notifier.handlers import HANDLERS
from services.notifier.mail import compile_all, language_environment, template_environment
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


class Controller:
    """What worker_init is sent by (a Celery WorkController), as far as the handler looks."""

    def __init__(self, app: object) -> None:
        self.app = app


def test_the_main_process_compiles_the_templates_before_the_pool_forks(settings, monkeypatch):
    """worker_init (sent in the main process before the pool starts) warms its own app's worker
    once, not another app's worker in the same process."""
    compiled: list[object] = []
    monkeypatch.setattr(worker, "compile_all", compiled.append)
    monkeypatch.setattr(worker, "warm_parsing", lambda _path: None)
    app = create_worker_app(settings)
    create_worker_app(settings)  # a second app in this process: its handler stays out of it
    worker_init.send(sender=Controller(app))
    assert len(compiled) == 1


def test_compile_all_compiles_every_template_in_every_language():
    env = template_environment()
    compile_all(env)
    for environment in (env, *(language_environment(language) for language in ("nn", "en"))):
        compiled = {template.name for template in environment.cache.values()}  # type: ignore[union-attr]
        assert set(environment.list_templates()) <= compiled
