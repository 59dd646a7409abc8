"""A real TCP proxy for tests: a slow phone link that can drop out or lose a reply.

Browsers and HTTP clients connect to the proxy; it forwards bytes to the app through real
sockets, limits the bandwidth of the link, counts what the client sent, and on request cuts
the link for a while (every open connection reset, new ones refused) or swallows the reply to
a request the server did receive. Nothing is mocked: the app sees ordinary TCP connections.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PIECE = 16 * 1024


@dataclass
class _Bucket:
    """A token bucket: at most rate bytes a second through one direction of the link."""

    rate: float | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_free: float = 0.0

    def take(self, size: int) -> None:
        if not self.rate:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + size / self.rate
            wait = self.next_free - now
        if wait > 0:
            time.sleep(wait)


class NetProxy:
    """Forward 127.0.0.1:port to target; throttle, count, cut and lose replies on demand."""

    def __init__(self, target_host: str, target_port: int, *, up_bytes_s: float | None = None,
                 down_bytes_s: float | None = None, latency_s: float = 0.0) -> None:
        self.target = (target_host, target_port)
        self.up = _Bucket(up_bytes_s)
        self.down = _Bucket(down_bytes_s)
        self.latency_s = latency_s
        self.sent_up = 0  # bytes the clients sent towards the server, all connections
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._watchers: list[tuple[int, Callable[[], None]]] = []
        self._lose_reply_after: int | None = None
        self._connections: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="netproxy", daemon=True)
        self.replies_lost = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> NetProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self._listener.close()
        self._reset_all()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------- what tests ask for

    def cut(self, seconds: float) -> None:
        """Drop the link: reset every open connection and refuse new ones for seconds."""
        with self._lock:
            self._down_until = time.monotonic() + seconds
        self._reset_all()

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def when_sent(self, total_bytes: int, action: Callable[[], None]) -> None:
        """Run action once when the clients have sent total_bytes towards the server."""
        with self._lock:
            self._watchers.append((total_bytes, action))

    def lose_reply_after(self, total_bytes: int) -> None:
        """Swallow the reply on the connection whose upload passes total_bytes, then reset it.

        The server receives the whole request and answers; the client never hears back, as
        when a phone loses its signal in the second after the last byte went out.
        """
        with self._lock:
            self._lose_reply_after = total_bytes

    # ------------------------------------------------------------- plumbing

    def _reset_all(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            _reset(sock)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.is_down:
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            link = _Link(self, client, server)
            with self._lock:
                self._connections.update((client, server))
            threading.Thread(target=link.pump_up, daemon=True, name="netproxy-up").start()
            threading.Thread(target=link.pump_down, daemon=True, name="netproxy-down").start()

    def _count_up(self, size: int, link: _Link) -> None:
        fire = []
        with self._lock:
            self.sent_up += size
            total = self.sent_up
            keep = []
            for threshold, action in self._watchers:
                (fire if total >= threshold else keep).append((threshold, action))
            self._watchers = keep
            if self._lose_reply_after is not None and total >= self._lose_reply_after:
                self._lose_reply_after = None
                link.lose_reply = True
        for _threshold, action in fire:
            action()

    def _forget(self, *sockets: socket.socket) -> None:
        with self._lock:
            for sock in sockets:
                self._connections.discard(sock)


class _Link:
    """One client connection and its server connection, pumped by two threads."""

    def __init__(self, proxy: NetProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.lose_reply = False

    def pump_up(self) -> None:
        try:
            while True:
                data = self.client.recv(PIECE)
                if not data:
                    self.server.shutdown(socket.SHUT_WR)
                    return
                self.proxy.up.take(len(data))
                if self.proxy.latency_s:
                    time.sleep(self.proxy.latency_s)
                self.server.sendall(data)
                self.proxy._count_up(len(data), self)
        except OSError:
            self._close()

    def pump_down(self) -> None:
        try:
            while True:
                data = self.server.recv(PIECE)
                if not data:
                    self.client.shutdown(socket.SHUT_WR)
                    return
                if self.lose_reply:
                    # The server has answered, so it stored what it was sent: the client
                    # must never see that answer.
                    self.proxy.replies_lost += 1
                    self._close()
                    return
                self.proxy.down.take(len(data))
                self.client.sendall(data)
        except OSError:
            self._close()

    def _close(self) -> None:
        _reset(self.client)
        _reset(self.server)
        self.proxy._forget(self.client, self.server)


def _reset(sock: socket.socket) -> None:
    """Close sock at once with a reset, as a dropped mobile link looks to the peer."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        # Wake a thread blocked reading this socket, so the close below is the last one and
        # the peer gets the reset now rather than when that read ends.
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
