"""Shared fixtures (a catalog URL on each supported backend) and the hypothesis profiles."""

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
