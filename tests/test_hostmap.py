"""Host mappings used instead of DNS (curl --resolve style)."""

from __future__ import annotations

import pytest

from crawler.exceptions import ConfigError
from crawler.net.hostmap import HostMap


def test_exact_wildcard_and_fallthrough() -> None:
    hosts = HostMap.parse(["a.test:127.0.0.1", "*.demo.test:127.0.0.2", "*.x.demo.test:[::1]"])
    assert hosts.lookup("A.test.") == "127.0.0.1"
    assert hosts.lookup("open.demo.test") == "127.0.0.2"
    assert hosts.lookup("deep.x.demo.test") == "::1"  # the longest suffix wins
    assert hosts.lookup("demo.test") is None  # *.suffix means names under it
    assert hosts.lookup("example.org") is None
    assert HostMap.parse({"b.test": "10.0.0.1"}).lookup("b.test") == "10.0.0.1"
    assert not HostMap.parse(None) and HostMap.parse(["a.test:127.0.0.1"])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("a.test", "expected HOST:ADDRESS"),
        ("a.test:localhost", "is not an IP address"),
        ("a.*.test:127.0.0.1", "expected a host name or"),
        (":127.0.0.1", "expected a host name or"),
    ],
)
def test_bad_entries(entry: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        HostMap.parse([entry])
