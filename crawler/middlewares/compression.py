"""BoundedHttpCompressionMiddleware: Scrapy's decompression, with a bomb recorded, not lost.

Scrapy's HttpCompressionMiddleware stops decompressing at DOWNLOAD_MAXSIZE and raises
IgnoreRequest from ``process_response``, where no middleware can see it, so the URL would leave
no record. Here the body is dropped instead, the reason is put on the request, and the outcome
middleware records the URL as ``decompression-bomb``. Policy-document probes keep Scrapy's
behaviour: the failure closes the origin as unreadable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

from .. import meta

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


class BoundedHttpCompressionMiddleware(HttpCompressionMiddleware):
    def process_request(  # type: ignore[override]
        self, request: Request
    ) -> Request | Response | None:
        # The mark is about one attempt's answer: a retry copies the meta of the bombed one.
        meta.clear_too_large(request)
        return super().process_request(request)

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if meta.is_probe(request):
                raise
            meta.set_too_large(request, str(exc))
            return response.replace(body=b"")
