"""AddressPolicy: only public addresses, unless a network is allowed; link-local never."""

from __future__ import annotations

import pytest

from storage.addresses import LOCAL_NETWORKS, AddressPolicy

DEFAULT = AddressPolicy()
LOCAL = AddressPolicy.parse(LOCAL_NETWORKS)


@pytest.mark.parametrize(
    ("address", "default_ok", "local_ok"),
    [
        ("93.184.216.34", True, True),
        ("2606:4700::6810:85e5", True, True),
        ("127.0.0.1", False, True),
        ("127.8.9.10", False, True),
        ("::1", False, True),
        ("10.0.0.1", False, True),
        ("172.16.5.4", False, True),
        ("192.168.1.1", False, True),
        ("fd12:3456::1", False, True),
        ("::ffff:127.0.0.1", False, True),  # IPv4-mapped loopback
        ("::ffff:8.8.8.8", True, True),
        ("169.254.169.254", False, False),  # cloud metadata: never
        ("fe80::1", False, False),
        ("224.0.0.251", False, False),  # multicast: never
        ("ff02::1", False, False),
        ("0.0.0.0", False, False),
        ("100.64.0.1", False, False),  # carrier-grade NAT
        ("192.0.2.10", False, False),  # documentation
        ("255.255.255.255", False, False),
        ("[::1]", False, True),
        ("not-an-ip", False, False),
    ],
)
def test_refusal(address: str, default_ok: bool, local_ok: bool) -> None:
    assert (DEFAULT.refusal(address) is None) is default_ok
    assert (LOCAL.refusal(address) is None) is local_ok


def test_explicit_networks_and_errors() -> None:
    policy = AddressPolicy.parse(["10.1.0.0/16"])
    assert policy.refusal("10.1.2.3") is None
    assert policy.refusal("10.2.0.1") is not None
    assert AddressPolicy.parse(["169.254.0.0/16"]).refusal("169.254.169.254") is not None
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        AddressPolicy.parse(["10.0.0.0/33"])
