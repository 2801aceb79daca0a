"""A tiny virtual-host web server on 127.0.0.1 for the demo, the tests and the benchmark.

Sites are plain data (host name -> path -> Page); the Host header picks the site, so many named
sites share one loopback port and reach it through CONSENT_RESOLVE, never through real DNS.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
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

    def record(self, host: str, path: str) -> None:
        with self._lock:
            self.hits.append((host, path))

    def hits_for(self, host: str) -> list[str]:
        with self._lock:
            return [path for h, path in self.hits if h == host]


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        path = urlsplit(self.path).path or "/"
        self.server.record(host, self.path)
        site = self.server.sites.get(host)
        page = NOT_FOUND if site is None else site.get(self.path, site.get(path, NOT_FOUND))
        body = page.payload()
        if page.delay:
            time.sleep(page.delay)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

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
