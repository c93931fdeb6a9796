"""The services' own log lines never carry a tracking, action or sign-in token
(tests/integration/test_gunicorn_logs.py runs gunicorn itself)."""
from __future__ import annotations

import json
import logging
import sys

import pytest

from shared.logs import make_formatter

TOKEN = "cCfkVMikOB-wt9mwh23Hmy9nUXMDhgPyHlLPuOyh1rg"


def record(message: str, *args: object, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("samhandling.test", logging.ERROR, __file__, 1, message, args, exc_info)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_formatters_redact_token_paths_in_message_and_traceback(log_format):
    try:
        raise ValueError(f"could not load https://klage.example.no/handling/{TOKEN}")
    except ValueError:
        exc_info = sys.exc_info()
    line = make_formatter("intake", log_format).format(
        record("Exception on %s [GET]", f"/sak/{TOKEN}", exc_info=exc_info))
    assert TOKEN not in line
    assert "/sak/…" in line and "/handling/…" in line
    if log_format == "json":
        assert json.loads(line)["message"] == "Exception on /sak/… [GET]"


def test_the_gunicorn_filter_redacts_access_and_error_records():
    from services.intake.gunicorn_conf import RedactTokens

    access = record('%(h)s "%(r)s" "%(f)s"', {"h": "203.0.113.1", "r": f"GET /logg-inn/{TOKEN} HTTP/1.1",
                                              "f": f"https://x.example/sak/{TOKEN}"})
    assert RedactTokens().filter(access)
    assert access.getMessage() == '203.0.113.1 "GET /logg-inn/… HTTP/1.1" "https://x.example/sak/…"'
