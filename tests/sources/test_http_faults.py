"""Faults from outside, for every connector at once: they all speak through HttpClient."""

import socket
import struct
import threading
import time

import pytest
from werkzeug import Response

from tasks.config import RetryPolicy
from tasks.errors import SourceError
from tasks.sources.http import HttpClient, MalformedPayload


def test_a_stalled_read_ends_at_the_timeout_and_is_retried_not_hung(httpserver):
    def slow(request):
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with HttpClient("test", httpserver.url_for(""), timeout=0.3, retry=RetryPolicy(retries=1, backoff_seconds=0.01)) as client:
        with pytest.raises(SourceError, match=r"source 'test': GET .*/slow failed: (ReadTimeout|ConnectionError)"):
            client.get_json("/slow")
        assert client.stats.retries == 1, "retried once, then a clear per-source error"


def test_a_connection_reset_is_a_clear_source_error():
    # A peer that accepts and resets every connection at once (RST, not FIN).
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    stop = threading.Event()

    def reset_all():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=reset_all, daemon=True)
    thread.start()
    try:
        with HttpClient("test", f"http://127.0.0.1:{port}", timeout=2, retry=RetryPolicy(retries=2, backoff_seconds=0.01)) as client:
            with pytest.raises(SourceError, match="failed: ConnectionError"):
                client.get_json("/anything")
            assert client.stats.retries >= 2
    finally:
        stop.set()
        thread.join()
        server.close()


def test_a_huge_response_is_cut_off_and_handed_over_as_malformed(httpserver):
    httpserver.expect_request("/huge").respond_with_data("[" + "1," * 600_000 + "1]", content_type="application/json")
    with HttpClient("test", httpserver.url_for(""), max_response_bytes=1_000_000) as client:
        with pytest.raises(MalformedPayload) as err:
            client.get_json("/huge")
    assert "larger than 1,000,000 bytes" in err.value.reason
    assert len(err.value.body) == 100_000, "only the start is kept for the quarantine"


def test_an_html_error_page_with_status_200_is_malformed_not_a_crash(httpserver):
    httpserver.expect_request("/api").respond_with_data("<html><body>Service temporarily unavailable</body></html>", content_type="text/html")
    with HttpClient("test", httpserver.url_for("")) as client:
        with pytest.raises(MalformedPayload, match="not JSON"):
            client.get_json("/api")
