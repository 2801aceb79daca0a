"""SeedSpider: crawls from seed URLs to a depth and page budget, staying on the seeds' sites.

It holds no consent logic: every gate is a downloader middleware of the add-on, so this spider
only decides which links are worth asking for. Links of a page are followed even when its content
was not collected (the decision is about the content, not about discovering URLs).

With CONSENT_IMAGES it also asks for the images of every page it downloaded, whether the page's
text was collected or not: each image is an item of its own, decided by every gate like a page
(an image may sit on another site, a CDN, so the site scope does not hold it back; its own
origin's policies do), and it carries its page's robots tags for ``noimageai``.

Settings: CONSENT_SEEDS (list of URLs), CONSENT_MAX_PAGES (0 = no limit; counts every URL this
spider asks for, seeds and images included), CONSENT_ALLOW_OFFSITE, CONSENT_FOLLOW_LINKS (off:
the seeds only; Scrapy reads DEPTH_LIMIT = 0 as "no limit", so depth 0 needs its own switch),
Scrapy's DEPTH_LIMIT, CONSENT_IMAGES and CONSENT_IMAGES_PER_PAGE.

Every request it asks for goes to the job's frontier log (``crawler.recording.frontier``) before it is
yielded, and a "links done" line follows once all of a page's links are asked for. Resuming
(``crawler.resume``), it starts with the old job's ``seen`` set and page budget, asks again for
what was asked but never decided, and extracts the links of pages collected in the crash window
(recorded, but without their "links done" line) from their stored payload.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import LinkExtractor

from .. import meta, stats
from ..config import config_of
from ..meta import Kind
from ..net.sites import site_of
from ..pages.image_links import image_urls
from ..recording.frontier import FrontierLog, log_asked, log_path

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from ..resume import ResumePlan


class SeedSpider(Spider):
    name = "seed"

    def __init__(
        self,
        *args: Any,
        seeds: Iterable[str] | str = (),
        resume: ResumePlan | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.resume = resume
        self.frontier: FrontierLog | None = None
        if isinstance(seeds, str):
            seeds = [s for s in seeds.replace(",", " ").split() if s]
        self.start_urls = list(seeds)
        self.allowed_domains: list[str] = []  # the seeds' sites (Scrapy's offsite policy)
        self.max_pages = 0
        self.follow_links = True
        self.depth_limit = 0
        self.seen: set[str] = set()
        self.link_extractor = LinkExtractor()
        self.images = False
        self.images_per_page = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if not spider.start_urls:
            spider.start_urls = list(settings.getlist("CONSENT_SEEDS"))
        spider.max_pages = settings.getint("CONSENT_MAX_PAGES")
        spider.follow_links = settings.getbool("CONSENT_FOLLOW_LINKS")
        spider.depth_limit = settings.getint("DEPTH_LIMIT")
        if not settings.getbool("CONSENT_ALLOW_OFFSITE"):
            spider.allowed_domains = sorted({site_of(url) for url in spider.start_urls})
        return spider

    async def start(self) -> AsyncIterator[Request]:
        # Read here, not in from_crawler: Scrapy creates the spider before the add-on has set
        # the CONSENT_* defaults (and before the configuration exists).
        config = config_of(self.crawler)
        self.images = config["CONSENT_IMAGES"]
        self.images_per_page = config["CONSENT_IMAGES_PER_PAGE"]
        job_id = self.crawler.stats.get_value(stats.JOB_ID) if self.crawler.stats else None
        if job_id is not None:  # the recorder started the job on spider_opened
            self.frontier = FrontierLog(log_path(config["CONSENT_WARC_DIR"], str(job_id)))
        if self.resume is not None:
            for again in self._resumed(self.resume):
                yield again
        for url in dict.fromkeys(self.start_urls):
            if url in self.seen:
                continue
            request = self._request(url, depth=0)
            if request is None:
                return
            yield self._asked(request)

    def _resumed(self, plan: ResumePlan) -> Iterator[Request]:
        self.seen |= plan.seen
        for page in plan.relink:  # yielded from here, not a callback: Referer and depth are set
            for request in self._links(page, images=self.images):
                if referer := request.meta.get(meta.REFERER):
                    request.headers.setdefault("Referer", referer)
                yield request
            self._links_done(page)
        for asked in plan.pending:  # already counted in the budget
            callback = self.image if asked.kind is Kind.IMAGE else self.parse
            again = Request(asked.url, callback=callback, meta={"depth": asked.depth})
            if asked.kind is Kind.IMAGE:
                meta.mark_image(again)
            if asked.page_tags is not None:
                meta.set_page_tags(again, asked.page_tags)
            if asked.licences is not None:
                meta.set_image_licence(again, asked.licences)
            if asked.referer:
                again.headers["Referer"] = asked.referer
            yield again

    def parse(self, response: Response) -> Iterator[Request]:
        yield from self._links(response, images=self.images)
        self._links_done(response)

    def _links_done(self, response: Response) -> None:
        if self.frontier is not None and isinstance(response, HtmlResponse):
            self.frontier.links_done(response.url)

    def _links(self, response: Response, *, images: bool) -> Iterator[Request]:
        if not isinstance(response, HtmlResponse):
            return
        depth = response.meta.get("depth", 0) + 1
        if images and 200 <= response.status < 300:
            yield from self._images(response, depth)
        if not self.follow_links:
            return
        if self.depth_limit and depth > self.depth_limit:
            # Too deep from here: leave these links unseen, a shorter path may still reach them
            # (marking them seen now would lose them to DepthMiddleware for good).
            return
        for link in self.link_extractor.extract_links(response):
            if link.url in self.seen:
                continue
            if self.allowed_domains and site_of(link.url) not in self.allowed_domains:
                continue
            request = self._request(link.url, depth=depth, referer=response.url)
            if request is None:
                return
            yield self._asked(request)

    def _images(self, response: HtmlResponse, depth: int) -> Iterator[Request]:
        page_tags = meta.page_tags_of(response.request) if response.request else None
        licences = meta.image_licences_of(response.request) if response.request else {}
        for url in image_urls(response.selector.root, response.url, limit=self.images_per_page):
            if url in self.seen:
                continue
            request = self._request(url, callback=self.image, depth=depth, referer=response.url)
            if request is None:
                return
            meta.mark_image(request)
            if page_tags is not None:
                meta.set_page_tags(request, page_tags)
            if url in licences:
                meta.set_image_licence(request, licences[url])
            yield self._asked(request)

    def image(self, response: Response) -> Iterator[Request]:
        return iter(())  # an image has no links; its decision is already recorded

    def closed(self, reason: str) -> None:
        if self.frontier is not None:
            self.frontier.close()

    def _request(
        self, url: str, *, depth: int, callback: Any = None, referer: str | None = None
    ) -> Request | None:
        """A request for a URL not asked for yet, or None once the page budget is spent."""
        if self.max_pages and len(self.seen) >= self.max_pages:
            return None
        self.seen.add(url)
        return Request(
            url, callback=callback or self.parse, meta={"depth": depth, meta.REFERER: referer}
        )

    def _asked(self, request: Request) -> Request:
        """The request, written to the frontier log first."""
        log_asked(self, request)
        return request
