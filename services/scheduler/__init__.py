"""The scheduler service: the outbox relay and Celery beat with its tasks."""
