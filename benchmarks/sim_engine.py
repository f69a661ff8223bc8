"""A simulated Docker engine for the watch benchmarks: the few API endpoints ``watch`` uses.

It speaks HTTP/1.1 on a unix socket, like dockerd, so the watcher under test
is the real ``bindguard watch`` process with the real Docker SDK: only the
engine is simulated.  Endpoints: ``/_ping``, ``/version``, ``/networks``,
``/containers/json``, ``/containers/<id>/json`` and a chunked ``/events``
stream fed by :meth:`SimEngine.start_container` / :meth:`die_container`.
It is for counting and memory: it holds containers in a dict and answers at
once, so its numbers say what bindguard costs, not what dockerd costs.
"""

from __future__ import annotations

import json
import os
import queue
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler

API_VERSION = "1.41"


class SimEngine:
    def __init__(self, socket_path: str, version: str = "28.0.0"):
        self.socket_path = socket_path
        self.version = version
        self.containers: dict[str, dict] = {}
        self.subscribers: list[queue.Queue] = []
        self.lock = threading.Lock()
        self.requests = 0
        self.silent = threading.Event()  # set: requests get no answer (a vanished TCP peer)
        engine = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def address_string(self):
                return "sim"

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                engine.requests += 1
                if engine.silent.is_set():
                    time.sleep(3600)
                path = self.path.split("?", 1)[0]
                parts = [p for p in path.split("/") if p]
                if parts and parts[0].startswith("v1."):
                    parts = parts[1:]
                if parts == ["_ping"]:
                    return self._send(b"OK", "text/plain")
                if parts == ["version"]:
                    return self._json(
                        {"Version": engine.version, "ApiVersion": API_VERSION, "MinAPIVersion": "1.24", "Os": "linux"}
                    )
                if parts == ["networks"]:
                    return self._json([{"Name": "bridge", "Driver": "bridge", "Options": {}}])
                if parts == ["containers", "json"]:
                    with engine.lock:
                        running = [c for c in engine.containers.values() if c["State"]["Status"] == "running"]
                    return self._json([engine.list_item(c) for c in running])
                if len(parts) == 3 and parts[0] == "containers" and parts[2] == "json":
                    with engine.lock:
                        doc = engine.containers.get(parts[1])
                    if doc is None:
                        return self._json({"message": f"No such container: {parts[1]}"}, 404)
                    return self._json(doc)
                if parts == ["events"]:
                    return self._events()
                return self._json({"message": "not simulated"}, 404)

            def _send(self, body: bytes, ctype: str, status: int = 200):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Api-Version", API_VERSION)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _json(self, data, status: int = 200):
                self._send(json.dumps(data).encode(), "application/json", status)

            def _events(self):
                q: queue.Queue = queue.Queue()
                with engine.lock:
                    engine.subscribers.append(q)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.flush()
                try:
                    while (event := q.get()) is not None:
                        data = json.dumps(event).encode() + b"\n"
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                except OSError:
                    pass
                finally:
                    with engine.lock:
                        if q in engine.subscribers:
                            engine.subscribers.remove(q)
                self.close_connection = True

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        if os.path.exists(socket_path):
            os.unlink(socket_path)
        self.server = Server(socket_path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def close(self) -> None:
        with self.lock:
            for q in self.subscribers:
                q.put(None)
        self.server.shutdown()
        self.server.server_close()
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass

    # -- state and events ----------------------------------------------------
    @staticmethod
    def list_item(doc: dict) -> dict:
        ports = []
        for key, entries in (doc["NetworkSettings"]["Ports"] or {}).items():
            port, _, proto = key.partition("/")
            for e in entries or ():
                ports.append(
                    {"IP": e["HostIp"], "PrivatePort": int(port), "PublicPort": int(e["HostPort"]), "Type": proto}
                )
        return {
            "Id": doc["Id"],
            "Names": [doc["Name"]],
            "Image": doc["Config"]["Image"],
            "State": doc["State"]["Status"],
            "Labels": doc["Config"]["Labels"],
            "HostConfig": {"NetworkMode": "bridge"},
            "NetworkSettings": {"Networks": {"bridge": {}}},
            "Ports": ports,
        }

    def _emit(self, action: str, cid: str, name: str) -> None:
        now = time.time_ns()
        event = {
            "Type": "container",
            "Action": action,
            "status": action,
            "id": cid,
            "Actor": {"ID": cid, "Attributes": {"name": name, "image": "sim"}},
            "time": now // 10**9,
            "timeNano": now,
        }
        with self.lock:
            for q in self.subscribers:
                q.put(event)

    def start_container(self, cid: str, name: str, host_port: int) -> None:
        """Running, ``-p HOST_PORT:80`` (dockerd lists it on 0.0.0.0 and ::); a start event."""
        doc = {
            "Id": cid,
            "Name": "/" + name,
            "State": {"Status": "running"},
            "Config": {"Image": "sim:1", "Labels": {}},
            "HostConfig": {"NetworkMode": "bridge", "PortBindings": {}},
            "NetworkSettings": {
                "Networks": {"bridge": {}},
                "Ports": {"80/tcp": [{"HostIp": ip, "HostPort": str(host_port)} for ip in ("0.0.0.0", "::")]},
            },
        }
        with self.lock:
            self.containers[cid] = doc
        self._emit("start", cid, name)

    def die_container(self, cid: str) -> None:
        with self.lock:
            doc = self.containers[cid]
            doc["State"] = {"Status": "exited"}
            doc["NetworkSettings"] = {**doc["NetworkSettings"], "Ports": {}}
        self._emit("die", cid, doc["Name"][1:])

    def subscribed(self) -> int:
        with self.lock:
            return len(self.subscribers)
