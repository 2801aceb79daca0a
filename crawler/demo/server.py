"""A tiny virtual-host web server on 127.0.0.1 for the demo, the tests and the benchmark.

Sites are plain data (host name -> path -> Page); the Host header picks the site, so many named
sites share one loopback port and reach it through CONSENT_RESOLVE, never through real DNS.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["Page", "SiteServer", "serve"]


@dataclass(frozen=True, slots=True)
class Page:
    body: bytes | str = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before answering (slow servers, timeouts)
    # A body sent piece by piece (huge or endless bodies), each piece after ``drip`` seconds;
    # ``length`` is the Content-Length announced (None: none, the body ends with the connection).
    stream: Callable[[], Iterable[bytes]] | None = None
    drip: float = 0.0
    length: int | None = None

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


NOT_FOUND = Page("<!doctype html><title>Not found</title><p>Not found.</p>", status=404)

Sites = Mapping[str, Mapping[str, Page]]


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sites: Sites | Callable[[int], Sites]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        # A callable gets the port, for sites whose pages link to each other absolutely.
        self.sites: Sites = sites(self.port) if callable(sites) else sites
        self.hits: list[tuple[str, str]] = []  # (host, path) of every request, for tests
        self.headers: list[dict[str, str]] = []  # the request headers of each hit, in order
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        # A crawler that gave up (a timeout test, a cancelled download) is not a server bug.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def record(self, host: str, path: str, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self.hits.append((host, path))
            self.headers.append(headers or {})

    def hits_for(self, host: str) -> list[str]:
        with self._lock:
            return [path for h, path in self.hits if h == host]


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        path = urlsplit(self.path).path or "/"
        self.server.record(host, self.path, {k.lower(): v for k, v in self.headers.items()})
        site = self.server.sites.get(host)
        page = NOT_FOUND if site is None else site.get(self.path, site.get(path, NOT_FOUND))
        body = page.payload()
        if page.delay:
            time.sleep(page.delay)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        if page.stream is None:
            self.send_header("Content-Length", str(len(body)))
        elif page.length is not None:
            self.send_header("Content-Length", str(page.length))
        else:
            self.close_connection = True  # the end of the body is the end of the connection
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if page.stream is None:
            self.wfile.write(body)
            return
        for piece in page.stream():
            if page.drip:
                time.sleep(page.drip)
            self.wfile.write(piece)

    def log_message(self, format: str, *args: object) -> None:
        return None  # keep the demo's terminal for the crawler's own output


@contextmanager
def serve(sites: Sites | Callable[[int], Sites]) -> Iterator[SiteServer]:
    server = SiteServer(sites)
    thread = threading.Thread(target=server.serve_forever, name="demo-web", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
