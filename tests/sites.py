"""Helpers for crawl tests: run the real CLI in a subprocess against local named sites.

A Twisted reactor cannot restart inside one process, so every crawl runs as
``python -m crawler crawl …``, exactly as a user runs it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crawler.addon import ConsentAddon

ROOT = Path(__file__).resolve().parent.parent

#: The operator contact every test crawl and check sends in its User-Agent (.test: no one's).
CONTACT = "mailto:tests@consentcrawl.test"
#: Settings of a crawler with the add-on, for unit tests of its components.
ADDON: dict[str, Any] = {"ADDONS": {ConsentAddon: 0}, "CONSENT_CONTACT_URL": CONTACT}


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def start_crawl(
    url: str, host: str, tmp: Path, *extra: str, own_group: bool = False
) -> subprocess.Popen[str]:
    """A long crawl of one local host in the background (to interrupt it, or its writer);
    `own_group`: in a process group of its own, to kill it with all its processes."""
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", url, "--purpose", "search",
         "--catalog", f"sqlite:///{tmp / 'c.sqlite'}", "--warc-dir", str(tmp / "w"),
         "--resolve", f"{host}:127.0.0.1", "--delay", "0", "--allow-private-addresses",
         "--depth", "1000", "--contact", CONTACT, *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=own_group,
    )


def crawl(
    seeds: Sequence[str],
    *,
    catalog_url: str,
    warc_dir: Path,
    domain: str,
    purpose: str = "train-genai",
    extra: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "crawl",
        *seeds,
        "--purpose",
        purpose,
        "--catalog",
        catalog_url,
        "--warc-dir",
        str(warc_dir),
        "--resolve",
        f"*.{domain}:127.0.0.1",
        "--delay",
        "0",
        "--allow-private-addresses",  # the test web is on 127.0.0.1
        "--contact",
        CONTACT,
        *extra,
    )
