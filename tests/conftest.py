"""Shared fixtures (a catalog URL on each supported backend), the hypothesis profiles, and the
``crawl`` mark on the modules whose tests run real crawls."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from storage.catalog import Catalog

from .databases import postgres_database

# "ci" (the default): reproducible (the same examples every run, no example database) and
# small enough for a 2-core machine; no deadline, since a loaded machine is no bug. "hunt", by
# hand (HYPOTHESIS_PROFILE=hunt), looks further with fresh random examples each run.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "hunt", max_examples=3000, deadline=None, database=None, suppress_health_check=_QUIET
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog' / 'catalog.sqlite'}"
    else:
        yield from postgres_database()


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    with Catalog(catalog_url, mode="write") as opened:
        yield opened


# Modules whose tests run real crawls (a crawler process or reactor against local servers):
# independent of each other, so pytest-xdist spreads them over the CPUs.
CRAWL_MODULES = frozenset(
    {
        "test_blocklists_cli",
        "test_check",
        "test_checkpoint",
        "test_crawl_bad_input",
        "test_crawl_blocklist",
        "test_crawl_e2e",
        "test_crawl_hostile",
        "test_crawl_images",
        "test_crawl_licences",
        "test_crawl_signals",
        "test_crawl_summary",
        "test_crawl_walls",
        "test_crawl_weakenings",
        "test_interrupt",
        "test_recorder",
        "test_resume",
        "test_spider_seed",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.rsplit(".", 1)[-1] in CRAWL_MODULES:
            item.add_marker(pytest.mark.crawl)
