"""The address guard of subscriptions: every host on the way resolved and checked, as the crawler
connects (``responses`` for the HTTP, an injected resolver for DNS: no network, no real DNS), and
``--resolve`` options. The real connection to the checked address: tests/test_blocklists_cli.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import pytest
import responses

from blocklists.fetch import MAX_REDIRECTS, FetchError, Guard, parse_resolve
from storage.addresses import LOCAL_NETWORKS, AddressPolicy

PUBLIC = "93.184.216.34"
DNS = {
    "rights.example": [PUBLIC],
    "cdn.rights.example": ["2606:4700::6810:85e5"],
    "intranet.example": ["10.0.0.7"],
    "loopback.example": ["127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": [PUBLIC, "192.168.1.2"],  # one private address is enough to refuse
    "mapped.example": ["::ffff:127.0.0.1"],
}
LOCAL = AddressPolicy.parse(LOCAL_NETWORKS)
PUBLIC_ONLY = AddressPolicy()


def resolve(host: str) -> Sequence[str]:
    return DNS[host]


def guard(policy: AddressPolicy = PUBLIC_ONLY, **hosts: str) -> Guard:
    return Guard(policy, hosts, resolve)


@pytest.mark.parametrize(
    ("url", "default", "private"),
    [
        ("https://rights.example/list.txt", PUBLIC, PUBLIC),
        ("https://cdn.rights.example/list.txt", "2606:4700::6810:85e5", "2606:4700::6810:85e5"),
        ("https://RIGHTS.example./list.txt", PUBLIC, PUBLIC),
        ("http://intranet.example/list.txt", "is not a public address", "10.0.0.7"),
        ("http://loopback.example/list.txt", "is not a public address", "127.0.0.1"),
        ("http://mapped.example/list.txt", "is not a public address", "::ffff:127.0.0.1"),
        ("http://mixed.example/list.txt", "192.168.1.2 is not a public address", "93.184.216.34"),
        ("http://127.0.0.1:8080/list.txt", "is not a public address", "127.0.0.1"),
        ("http://[::1]/list.txt", "is not a public address", "::1"),
        ("http://metadata.example/latest/", "link-local", "link-local"),
        ("http://169.254.169.254/latest/", "link-local", "link-local"),
        ("ftp://rights.example/list.txt", "not an http(s) URL", "not an http(s) URL"),
        ("https:///list.txt", "not an http(s) URL", "not an http(s) URL"),
    ],
)
def test_every_address_is_checked(url: str, default: str, private: str) -> None:
    for policy, expected in ((PUBLIC_ONLY, default), (LOCAL, private)):
        try:
            assert guard(policy).address(url) == expected
        except FetchError as refused:
            assert expected in str(refused) and "\n" not in str(refused)
            if "public" in expected:
                assert "--allow-private-addresses" in str(refused)


def test_resolve_options_come_before_dns() -> None:
    assert guard(**{"intranet.example": PUBLIC}).address("http://intranet.example/") == PUBLIC
    with pytest.raises(FetchError, match="127.0.0.1 is not a public address"):
        guard(**{"rights.example": "127.0.0.1"}).address("https://rights.example/")


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["lists.test:127.0.0.1"], {"lists.test": "127.0.0.1"}),
        (["Lists.Test.:[::1]", "b.test: 10.0.0.1 "], {"lists.test": "::1", "b.test": "10.0.0.1"}),
        (["lists.test"], "expected HOST:ADDRESS"),
        ([":127.0.0.1"], "expected HOST:ADDRESS"),
        (["*.test:127.0.0.1"], "expected HOST:ADDRESS"),
        (["lists.test:localhost"], "'localhost' is not an IP address"),
        (["lists.test:::1"], {"lists.test": "::1"}),
        (["lists.test:[::1"], "is not an IP address"),
    ],
)
def test_parse_resolve(entries: list[str], expected: dict[str, str] | str) -> None:
    if isinstance(expected, dict):
        assert parse_resolve(entries) == expected
        return
    with pytest.raises(ValueError, match="--resolve") as refused:
        parse_resolve(entries)
    assert expected in str(refused.value) and repr(entries[0]) in str(refused.value)


LIST = "piracy.example\n"


@pytest.mark.parametrize(
    ("hops", "expected"),
    [
        ([], "https://rights.example/list.txt"),
        (["https://cdn.rights.example/list.txt"], "https://cdn.rights.example/list.txt"),
        (["/moved/list.txt"], "https://rights.example/moved/list.txt"),  # relative Location
        (["http://intranet.example/list.txt"], "refused http://intranet.example/list.txt"),
        (["https://cdn.rights.example/a", "http://169.254.169.254/latest/"], "link-local"),
        (["/hop"] * MAX_REDIRECTS, "https://rights.example/hop"),
        (["/hop"] * (MAX_REDIRECTS + 1), f"more than {MAX_REDIRECTS} redirects"),
    ],
)
@responses.activate
def test_redirects_are_followed_hop_by_hop_each_checked(hops: list[str], expected: str) -> None:
    url = "https://rights.example/list.txt"
    absolute = [url]
    for hop in hops:
        absolute.append(hop if "://" in hop else "https://rights.example" + hop)
    for here, there in zip(absolute, hops, strict=False):
        responses.add(responses.GET, here, status=302, headers={"Location": there})
    responses.add(responses.GET, absolute[-1], body=LIST)
    try:
        fetched = guard().get(url, {"If-None-Match": '"v1"'}, timeout=5, max_bytes=1000)
    except FetchError as refused:
        assert expected in str(refused)
        contacted = {urlsplit(call.request.url or "").hostname for call in responses.calls}
        assert contacted <= {"rights.example", "cdn.rights.example"}  # never a refused one
        return
    assert (fetched.url, fetched.status, fetched.body) == (expected, 200, LIST.encode())
    assert len(responses.calls) == len(hops) + 1
    assert all(call.request.headers["If-None-Match"] == '"v1"' for call in responses.calls)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (304, "", None),
        (404, "", "404"),
        (500, "", "500"),
        (200, "x" * 1001, "more than 1000 bytes"),
    ],
)
@responses.activate
def test_answers(status: int, body: str, expected: str | None) -> None:
    url = "https://rights.example/list.txt"
    responses.add(responses.GET, url, status=status, body=body)
    if expected is None:
        assert guard().get(url, {}, timeout=5, max_bytes=1000).body == b""
        return
    with pytest.raises(FetchError, match=expected):
        guard().get(url, {}, timeout=5, max_bytes=1000)
