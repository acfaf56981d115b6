"""A real HTTP receiver of webhook callbacks on 127.0.0.1 (an ephemeral port), checking each
signature the way Commerce Layer's docs tell receivers to:
``createHmac("sha256", secret).update(rawBody).digest("base64")`` equal to the
`X-CommerceLayer-Signature` header."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def topic(self) -> str:
        return self.headers["x-commercelayer-topic"]

    @property
    def document(self) -> Any:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        digest = hmac.new(secret.encode(), self.body, hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        return hmac.compare_digest(expected, self.headers["x-commercelayer-signature"])


class Receiver:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.answers: list[int] = []  # statuses to answer, in turn; then `status`
        self.status = 200
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.record(Call(self.path, headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="receiver")

    def record(self, call: Call) -> int:
        with self._lock:
            self.calls.append(call)
            return self.answers.pop(0) if self.answers else self.status

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def topics(self) -> list[str]:
        with self._lock:
            return [c.topic for c in self.calls]

    def of(self, topic: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.topic == topic]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
