"""`python -m services.scheduler` starts the relay, beat and the scheduler's worker.

`python -m services.scheduler relay` runs the relay alone (no Celery worker).
`python -m services.scheduler book-annual --year 2027` books that year's fixed meetings and exits.
"""
from __future__ import annotations

import signal
import sys

from shared.messages import SCHEDULER_QUEUE
from shared.runtime import configure_worker_logging
from shared.settings import Settings

from .annual_cli import book_annual_command
from .main import Relay, create_scheduler_app


def main(argv: list[str]) -> None:
    settings = Settings.from_env()
    configure_worker_logging("scheduler", settings)
    if argv[:1] == ["book-annual"]:
        sys.exit(book_annual_command(argv[1:], settings))
    app = create_scheduler_app(settings)
    if argv[:1] == ["relay"]:
        relay: Relay = app.relay  # type: ignore[attr-defined]  # attached by create_scheduler_app
        signal.signal(signal.SIGTERM, lambda *_: relay.stop())
        try:
            relay.run()
        except KeyboardInterrupt:
            pass
        return
    app.worker_main(
        ["worker", "--beat", "--queues", SCHEDULER_QUEUE, "--pool", "solo", "--hostname", "scheduler@%h",
         "--without-mingle", "--without-gossip", "--loglevel", settings.log_level, *argv]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
