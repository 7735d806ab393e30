"""A fake registration-feed endpoint (`GET /feed?after_seq=N&limit=M`) on 127.0.0.1, in a thread.

It serves a list of feed lines (JSON Lines, or `{"events": [...]}` with `body_format="json"`) and can be told
to misbehave on given request numbers (1-based), or on every request:

    with FeedServer(lines, faults={2: Fault.TIMEOUT, 3: Fault.ERROR}) as server:
        registration_sync_http(base_url=server.url)
        assert server.requests == ...
"""

import enum
import json
import re
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlsplit

_SEQ_RE = re.compile(r'"seq"\s*:\s*(\d+)')


class Fault(enum.StrEnum):
    TIMEOUT = "timeout"  # answer only after `hang_seconds` (longer than the client's timeout)
    ERROR = "500"  # 500 Internal Server Error
    UNAVAILABLE = "503"  # 503 Service Unavailable
    TOO_MANY = "429"  # 429 Too Many Requests, Retry-After: 0
    BAD_REQUEST = "400"  # 400 Bad Request (not transient)
    NOT_FOUND = "404"  # 404 Not Found (not transient)
    TRUNCATE = "truncate"  # the page cut mid-line, with a Content-Length that matches the cut body
    SHORT = "short"  # Content-Length of the whole page, but only half of it sent before closing
    DROP = "drop"  # the connection closed without any answer


@dataclass(frozen=True)
class Request:
    number: int
    after_seq: int
    limit: int
    fault: Fault | None
    served: int  # lines in the page (also when the fault spoiled it)


def _seq(line: str, previous: int) -> int:
    """A line's seq; a malformed line without one travels with the line before it."""
    try:
        return int(json.loads(line)["seq"])
    except (ValueError, KeyError, TypeError):
        match = _SEQ_RE.search(line)
        return int(match.group(1)) if match else previous


class FeedServer:
    """Serves `lines` with after_seq/limit semantics; counts requests; misbehaves on request numbers."""

    def __init__(
        self,
        lines: list[str],
        *,
        faults: dict[int, Fault] | None = None,
        always: Fault | None = None,
        hang_seconds: float = 2.0,
        body_format: str = "jsonl",
    ):
        self.faults = dict(faults or {})
        self.always = always
        self.hang_seconds = hang_seconds
        self.body_format = body_format
        self._entries: list[tuple[int, str]] = []
        previous = 0
        for line in lines:
            previous = _seq(line, previous)
            self._entries.append((previous, line))
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.log)

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def page(self, after_seq: int, limit: int) -> list[str]:
        return [line for seq, line in self._entries if seq > after_seq][:limit]

    def start(self) -> Self:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True  # a hanging answer must not hold up stop()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-feed", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging answers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, after_seq: int, limit: int) -> tuple[Request, list[str]]:
        lines = self.page(after_seq, limit)
        with self._lock:
            number = len(self.log) + 1
            fault = self.faults.get(number, self.always)
            request = Request(number, after_seq, limit, fault, len(lines))
            self.log.append(request)
        return request, lines


def _handler_for(feed: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
            pass

        def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", headers.pop("content_length", str(len(body))))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlsplit(self.path)
            if url.path.rstrip("/") != "/feed":
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
                return
            query = parse_qs(url.query)
            try:
                after_seq = int(query.get("after_seq", ["0"])[0])
                limit = int(query.get("limit", ["500"])[0])
            except ValueError:
                self._send(HTTPStatus.BAD_REQUEST, b"bad query\n", "text/plain")
                return
            request, lines = feed._record(after_seq, limit)
            if feed.body_format == "json":
                events = [json.loads(line) for line in lines]
                body = json.dumps({"events": events}, ensure_ascii=False).encode()
                content_type = "application/json"
            else:
                body = "".join(f"{line}\n" for line in lines).encode()
                content_type = "application/x-ndjson"
            try:
                self._answer(request.fault, body, content_type)
            except OSError:  # the client gave up first (timeout)
                pass

        def _answer(self, fault: Fault | None, body: bytes, content_type: str) -> None:
            if fault is None:
                self._send(HTTPStatus.OK, body, content_type)
            elif fault is Fault.TIMEOUT:
                if feed._stopping.wait(feed.hang_seconds):
                    return
                self._send(HTTPStatus.OK, body, content_type)
            elif fault in (Fault.ERROR, Fault.UNAVAILABLE, Fault.BAD_REQUEST, Fault.NOT_FOUND):
                self._send(int(fault.value), b'{"error": "fault"}\n', "application/json")
            elif fault is Fault.TOO_MANY:
                self._send(HTTPStatus.TOO_MANY_REQUESTS, b"slow down\n", "text/plain", Retry_After="0")
            elif fault is Fault.TRUNCATE:
                cut = body[: max(1, len(body) // 2)]
                if cut.endswith(b"\n"):  # make sure the cut lands inside a line
                    cut = cut[:-2]
                self._send(HTTPStatus.OK, cut, content_type)
            elif fault is Fault.SHORT:
                self._send(HTTPStatus.OK, body[: len(body) // 2], content_type, content_length=str(len(body)))
                self.close_connection = True
            elif fault is Fault.DROP:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler
