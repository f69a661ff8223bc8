"""The request-counting proxy of the untimed pass: a unix-socket pass-through to the engine that counts the
HTTP requests each method really sends."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections import Counter

REQ_RE = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST|PUT|DELETE|PATCH) (\S+) HTTP/1\.[01]\r\n")
ID_RE = re.compile(r"/[0-9a-f]{12,64}(?=/|$)")
VER_RE = re.compile(r"^/v\d+\.\d+")


class CountingProxy:
    """A unix-socket pass-through to the engine that counts HTTP requests (method and path shape).

    Requests are counted from each connection's client bytes when it closes; :meth:`settle` waits for
    every connection to close, so counts are complete after a client process has exited. Only GET/HEAD
    bodies-free traffic is expected here; the count would still be right for small POST bodies."""

    def __init__(self, upstream: str, directory: str):
        self.upstream = upstream
        self.path = os.path.join(directory, "engine.sock")
        self.url = "unix://" + self.path
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.active = 0
        self.idle = threading.Condition(self.lock)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(128)
        self.closed = False
        threading.Thread(target=self._accept, name="count-proxy", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.active += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        seen = bytearray()
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            up.connect(self.upstream)

            def back() -> None:
                try:
                    while data := up.recv(65536):
                        conn.sendall(data)
                except OSError:
                    pass
                finally:
                    try:
                        conn.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

            t = threading.Thread(target=back, daemon=True)
            t.start()
            try:
                while data := conn.recv(65536):
                    seen += data
                    up.sendall(data)
            except OSError:
                pass
            try:
                up.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            t.join(timeout=30)
        except OSError:
            pass
        finally:
            for s in (up, conn):
                try:
                    s.close()
                except OSError:
                    pass
            found = Counter(f"{m.decode()} {self.shape(p.decode('latin-1'))}" for m, p in REQ_RE.findall(bytes(seen)))
            with self.lock:
                self.counts.update(found)
                self.active -= 1
                self.idle.notify_all()

    @staticmethod
    def shape(path: str) -> str:
        path = VER_RE.sub("", path.split("?", 1)[0])
        return ID_RE.sub("/{id}", path)

    def settle(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.active > 0 and time.monotonic() < deadline:
                self.idle.wait(0.1)

    def take(self) -> Counter[str]:
        """Wait for open connections to finish, then return and reset the counts."""
        self.settle()
        with self.lock:
            out, self.counts = self.counts, Counter()
        return out

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


def shape_summary(c: Counter) -> str:
    return ", ".join(f"{v} x {k}" for k, v in c.most_common(4)) + (" ..." if len(c) > 4 else "")
