"""/metrics label values are bounded: a client choosing HTTP methods cannot grow new series."""
from __future__ import annotations

import re

METHOD_LABEL = re.compile(r'^samhandling_http_requests_total\{[^}]*method="([^"]*)"', re.MULTILINE)


def test_client_chosen_methods_do_not_grow_the_series(client):
    for number in range(1, 51):
        client.open("/healthz", method=f"FOO{number}")
        client.open(f"/sak/some-token-{number}", method=f"FOO{number}")
    client.get("/healthz")
    client.post("/api/v1/complaints", json={})
    text = client.get("/metrics").get_data(as_text=True)
    methods = set(METHOD_LABEL.findall(text))
    assert {"GET", "POST", "other"} <= methods
    assert not any(method.startswith("FOO") for method in methods)
    assert len(methods) <= 10
    series = [line for line in text.splitlines() if line.startswith("samhandling_http_requests_total{")]
    assert len(series) <= 10
