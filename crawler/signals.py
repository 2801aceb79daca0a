"""Signals consentcrawl sends; connect with ``crawler.signals.connect(handler, signal=...)``."""

from __future__ import annotations

#: A final decision for one URL hop: ``handler(request, response, decision)``; response is None
#: when nothing was downloaded. Sent exactly once per URL considered.
consent_decided = object()

#: A policy document was fetched (or failed to be): ``handler(document)`` with a
#: ``storage.catalog.records.DocumentIn``.
policy_document_fetched = object()
