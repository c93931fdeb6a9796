"""gunicorn settings shared by the image, compose and `make run`:
`gunicorn --config python:services.intake.gunicorn_conf ...`.

Tracking pages (/sak/<token>), e-mail action links (/handling/<token>, whose payload carries the
contact's e-mail address) and sign-in links (/logg-inn/<token>) have a credential in the path.
gunicorn's access log writes the request line and the Referer, and its error log the path of a
request that failed, so both go through the same redaction as the services' own logs.
"""
from __future__ import annotations

import gc
import logging
from typing import Any

from gunicorn.glogging import Logger

from shared.logs import redact


class RedactTokens(logging.Filter):
    """Replaces the token in every such path of a record's message (and traceback) with `…`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactTokens) for existing in log.filters):
                log.addFilter(RedactTokens())


logger_class = RedactingLogger


def post_worker_init(worker: Any) -> None:
    """Once the worker has loaded the app, its start-up objects (modules, templates, catalogs, the
    handbook) leave the garbage collector's care: a full collection then scans only what requests
    made, instead of pausing a request for ~90 ms (measured by bench/workspace.py; SPEC p95 ≤ 100 ms)."""
    gc.collect()
    gc.freeze()
