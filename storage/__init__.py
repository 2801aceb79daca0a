"""Storage for consentcrawl: the SQL catalog of crawl decisions and the WARC archive.

This package imports nothing from the crawler, so the catalog can be read, migrated
and exported without Scrapy.
"""
