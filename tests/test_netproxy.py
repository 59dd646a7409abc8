"""The test proxy itself: it forwards, counts, cuts the link and loses replies as promised."""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from netproxy import NetProxy


class _Sink(BaseHTTPRequestHandler):
    received: list[int] = []

    def do_POST(self):  # noqa: N802  (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Sink.received.append(len(body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def sink():
    _Sink.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _post(port: int, size: int) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/", body=b"x" * size)
        return connection.getresponse().read()
    finally:
        connection.close()


def test_forwards_and_counts_the_bytes_sent(sink):
    proxy = NetProxy("127.0.0.1", sink.server_port).start()
    try:
        assert _post(proxy.port, 100_000) == b"ok"
        assert _Sink.received == [100_000]
        assert proxy.sent_up > 100_000  # the body and the request line and headers
    finally:
        proxy.stop()


def test_a_cut_resets_the_request_in_flight_and_refuses_new_ones(sink):
    proxy = NetProxy("127.0.0.1", sink.server_port, up_bytes_s=200_000).start()
    try:
        proxy.when_sent(50_000, lambda: proxy.cut(1.0))
        with pytest.raises(OSError):
            _post(proxy.port, 400_000)
        assert _Sink.received == []
        with pytest.raises(OSError):
            _post(proxy.port, 10)
        while proxy.is_down:
            time.sleep(0.05)
        assert _post(proxy.port, 10) == b"ok"
    finally:
        proxy.stop()


def test_a_lost_reply_reaches_the_server_but_not_the_client(sink):
    proxy = NetProxy("127.0.0.1", sink.server_port).start()
    try:
        proxy.lose_reply_after(5_000)
        with pytest.raises((OSError, http.client.HTTPException)):
            _post(proxy.port, 20_000)
        assert _Sink.received == [20_000]
        assert proxy.replies_lost == 1
        assert _post(proxy.port, 10) == b"ok"
    finally:
        proxy.stop()
