"""Scrapy project settings: the add-on does the work; only process-level choices live here."""

from __future__ import annotations

BOT_NAME = "consentcrawl"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ADDONS = {"crawler.addon.ConsentAddon": 0}

# Installed on the reactor before add-ons run, so it must be named here (see crawler.net.resolver).
TWISTED_DNS_RESOLVER = "crawler.net.resolver.MappedResolver"

# Polite defaults for real sites; the CLI and the demo set their own.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
FEED_EXPORT_ENCODING = "utf-8"
