"""Parts of the test machine that may be missing: a skip on a developer's machine, a failure in
CI (CI=true), where every test must run."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(reason: str, what: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} - CI must run {what}")
    pytest.skip(reason)
