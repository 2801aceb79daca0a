"""ConsentOutcomeMiddleware: the outermost downloader middleware, where every URL gets its decision.

It sees each request first and each final response or failure last, so it is the one place that
turns the evidence the gates gathered into a Decision (``crawler.consent.policy.decide``) and
announces it with ``consent_decided``, exactly once per URL hop:

- a final response (any status; non-2xx is ``http-error``);
- a gate's ConsentDenied, another component's IgnoreRequest (``filtered``) or a download error
  after retries (``fetch-error``);
- each redirect hop, recorded when the redirected request comes back (``redirect``); the
  target is then written to the job's frontier log (``crawler.recording.frontier``).

The redirect limit is enforced here, before Scrapy's own (set one higher by the add-on), because
Scrapy raises it from ``process_response``, where no middleware could record it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals as scrapy_signals
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from .. import meta, signals
from ..config import config_of
from ..consent.model import Effect, Evidence, Reason
from ..consent.policy import decide
from ..exceptions import ConsentDenied, TooManyRedirects
from ..recording.frontier import log_asked

TIMEOUTS = (DownloadTimeoutError, TimeoutError, TwistedTimeoutError)

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class ConsentOutcomeMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        self.crawler = crawler
        self.purpose = config.purpose
        self.require_permission = config["CONSENT_REQUIRE_PERMISSION"]
        self.max_redirects = config["CONSENT_MAX_REDIRECTS"]
        crawler.signals.connect(self.request_dropped, signal=scrapy_signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def request_dropped(self, request: Request) -> None:
        # A redirect whose target was already crawled is dropped by the scheduler's duplicate
        # filter before it comes back here; its hops still need their records.
        self._record_pending_hops(request)

    def _record_pending_hops(self, request: Request) -> list[str]:
        hops = list(request.meta.get("redirect_urls", ()))
        recorded = meta.hops_recorded(request)
        if len(hops) > recorded:
            self._record_hops(request, hops, recorded)
        return hops

    def process_request(self, request: Request) -> None:
        hops = self._record_pending_hops(request)
        meta.reset_evidence(request)  # each attempt (retries too) is judged afresh
        if len(hops) > self.max_redirects:
            text = f"{len(hops)} redirects, more than {self.max_redirects}"
            raise TooManyRedirects(
                request.url, _deny("http", hops[0], text, Reason.TOO_MANY_REDIRECTS)
            )

    def process_response(self, request: Request, response: Response) -> Response:
        if meta.is_probe(request):
            return response
        evidence = list(meta.evidence_of(request))
        dropped = meta.too_large_of(request)
        if dropped is not None:
            evidence.append(_deny("http", response.url, dropped, Reason.DECOMPRESSION_BOMB))
        # A non-2xx answer is an error unless a gate already said what it is (a login wall).
        if not 200 <= response.status < 300 and not any(e.effect is Effect.DENY for e in evidence):
            evidence.append(
                _deny("http", response.url, f"HTTP {response.status}", Reason.HTTP_ERROR)
            )
        self._decide(request, response, evidence)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if meta.is_probe(request):
            return
        evidence = list(meta.evidence_of(request))
        if isinstance(exception, ConsentDenied):
            exception.count(self.crawler.stats)
            evidence.extend(exception.evidence)
        elif isinstance(exception, IgnoreRequest):
            evidence.append(_deny("scrapy", request.url, str(exception), Reason.FILTERED))
        else:
            text = f"{type(exception).__name__}: {exception}"
            evidence.append(_deny("download", request.url, text, _failure_reason(exception)))
        self._decide(request, None, evidence)
        return

    def _record_hops(self, request: Request, hops: list[str], recorded: int) -> None:
        # The previous hop's evidence arrived here in the copied meta; it belongs to that hop.
        evidence = list(meta.evidence_of(request))
        statuses = list(request.meta.get("redirect_reasons", ()))
        for index in range(recorded, len(hops)):
            target = hops[index + 1] if index + 1 < len(hops) else request.url
            status = statuses[index] if index < len(statuses) else None
            hop_evidence = [
                *(evidence if index == len(hops) - 1 else ()),
                _deny("http", hops[index], f"redirect ({status}) to {target}", Reason.REDIRECT),
            ]
            decision = decide(self.purpose, hop_evidence, require_permission=False)
            self.crawler.signals.send_catch_log(
                signals.consent_decided,
                request=meta.hop_request(request, hops[index], status),
                response=None,
                decision=decision,
            )
        meta.set_hops_recorded(request, len(hops))
        # Scrapy's RedirectMiddleware, not the spider, asked for the target: a resumed job
        # must still find it if the crawl ends before it is decided.
        log_asked(self.crawler.spider, request)

    def _decide(self, request: Request, response: Response | None, evidence: list[Evidence]) -> None:
        decision = decide(self.purpose, evidence, require_permission=self.require_permission)
        meta.set_decision(request, decision)
        self.crawler.signals.send_catch_log(
            signals.consent_decided, request=request, response=response, decision=decision
        )


def _failure_reason(exception: Exception) -> Reason:
    if isinstance(exception, TIMEOUTS):
        return Reason.TIMEOUT
    # Scrapy has no subtype for "over DOWNLOAD_MAXSIZE": an announced length over it is cancelled
    # with a "download max size" message, a body that outgrows it while streaming with a bare
    # cancellation (http11 _ResponseReader), and a running crawl cancels nothing else.
    if isinstance(exception, DownloadCancelledError) and (
        "download max size" in str(exception) or not str(exception)
    ):
        return Reason.TOO_LARGE
    return Reason.FETCH_ERROR


def _deny(signal: str, source: str, value: str, reason: Reason) -> Evidence:
    return Evidence(signal=signal, source=source, value=value, effect=Effect.DENY, reason=reason)

