"""`python -m services.notifier [celery worker options]` starts the notifier worker."""
from __future__ import annotations

import sys

from shared.messages import NOTIFIER_QUEUE
from shared.settings import Settings

from .worker import create_worker_app


def main(argv: list[str]) -> None:
    app = create_worker_app(Settings.from_env())
    app.worker_main(
        ["worker", "--queues", NOTIFIER_QUEUE, "--hostname", "notifier@%h", "--without-mingle",
         "--without-gossip", "--loglevel", "INFO", *argv]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
