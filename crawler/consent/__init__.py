"""Pure parsers of consent signals and the policy that combines them (no Scrapy, no I/O)."""
