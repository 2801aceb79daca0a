"""consentcrawl: a Scrapy crawler that collects AI training data only where it may."""

from __future__ import annotations

__version__ = "0.1.0"
