"""The notifier service: a Celery worker that routes cases and sends e-mail."""
