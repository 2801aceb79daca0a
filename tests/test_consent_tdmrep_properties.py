"""Properties of crawler.consent.tdmrep (W3C TDM Reservation Protocol).

1. Any body gives well-formed rules and bounded errors that name the file; nothing raises.
2. parse(serialise(x)) == x: rules written as JSON (any layout, BOM, unknown keys, bad entries
   among them) read back as written, with their array positions.
3. match: the first rule in array order whose location matches.
4. Header and meta channels: any values; a meta reservation does not depend on element order.
5. tdm_evidence: the last channel set decides, the others and every error are INFO.
6. Hostile inputs.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.model import Effect
from crawler.consent.tdmrep import (
    FILE_ERROR_PREFIX,
    MAX_ERRORS,
    TDM_PURPOSES,
    TdmRepFile,
    TdmRule,
    TdmValue,
    header_value,
    meta_value,
    tdm_evidence,
)

from . import hostile
from .strategies import TDMREP, any_text, matching, mutated, patterns, urls

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.floats(allow_nan=True), st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
locations = patterns().filter(bool)
policies = st.sampled_from(("https://example.com/policy.json", "  https://x.example/p  ", "rel"))


@st.composite
def _entry(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed entry: location, 0/1 (sometimes written 1.0), maybe a policy, extra keys."""
    reservation = draw(st.sampled_from((0, 1, 1.0, 0.0)))
    entry: dict[str, Any] = {"location": draw(locations), "tdm-reservation": reservation}
    if draw(st.booleans()):
        entry["tdm-policy"] = draw(policies)
    entry.update(draw(st.dictionaries(st.sampled_from(("x", "comment")), json_scalars)))
    return entry


def _expected(index: int, entry: dict[str, Any]) -> TdmRule:
    reservation = int(entry["tdm-reservation"])
    policy = entry.get("tdm-policy") if reservation == 1 else None
    return TdmRule(index, entry["location"], reservation, policy.strip() if policy else None)


bad_entries = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=2),
    st.fixed_dictionaries({"location": json_values}),
    st.fixed_dictionaries({"location": locations, "tdm-reservation": json_values}).filter(
        lambda e: (
            isinstance(e["tdm-reservation"], bool)
            or e["tdm-reservation"] not in (0, 1)
            or e["tdm-reservation"] != e["tdm-reservation"]
        )  # NaN
    ),
    st.fixed_dictionaries(
        {"location": st.sampled_from(("a/b", "", "https://x/")), "tdm-reservation": st.just(1)}
    ),
)


@st.composite
def _documents(draw: st.DrawFn) -> tuple[bytes, list[TdmRule], int]:
    """(body, the rules it must give, how many entries are bad)."""
    entries: list[Any] = draw(st.lists(_entry() | bad_entries, max_size=8))
    expected = [_expected(i, e) for i, e in enumerate(entries) if _well_formed(e)]
    text = json.dumps(
        entries,
        indent=draw(st.sampled_from((None, 0, 2, "\t"))),
        ensure_ascii=draw(st.booleans()),
    )
    bom = draw(st.sampled_from((b"", b"\xef\xbb\xbf")))
    return bom + text.encode(), expected, len(entries) - len(expected)


def _well_formed(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("location"), str):
        return False
    reservation = entry.get("tdm-reservation")
    return (
        entry["location"].startswith(("/", "*"))
        and not isinstance(reservation, bool)
        and isinstance(reservation, int | float)
        and reservation in (0, 1)
    )


# --------------------------------------------------------------------------
# 1-3. The file
# --------------------------------------------------------------------------


@given(st.one_of(mutated(TDMREP), st.binary(max_size=100), _documents().map(lambda d: d[0])))
@example(b'[{"location": "/", "tdm-reservation": 1e400}]')
@example(b'[{"location": "/", "tdm-reservation": 1, "tdm-policy": ""}]')
@example(b"[" + b"1" * 5000 + b"]")
def test_any_body_gives_well_formed_rules(body: bytes) -> None:
    parsed = TdmRepFile.parse(body)
    assert all(error.startswith(FILE_ERROR_PREFIX) for error in parsed.errors)
    assert len(parsed.errors) <= MAX_ERRORS + 2  # entry errors, "N more", one decoding note
    indexes = [rule.index for rule in parsed.rules]
    assert indexes == sorted(set(indexes))
    for rule in parsed.rules:
        assert rule.reservation in (0, 1) and rule.location.startswith(("/", "*"))
        assert rule.policy is None or (rule.reservation == 1 and rule.policy == rule.policy.strip())


@given(_documents())
def test_rules_read_back_as_written(document: tuple[bytes, list[TdmRule], int]) -> None:
    body, expected, bad = document
    parsed = TdmRepFile.parse(body)
    assert list(parsed.rules) == expected
    errors = [e for e in parsed.errors if "reservation kept without a policy" not in e]
    assert len(errors) == min(bad, MAX_ERRORS) + (bad > MAX_ERRORS)


@given(_documents(), st.data())
def test_the_first_matching_rule_decides(
    document: tuple[bytes, list[TdmRule], int], data: st.DataObject
) -> None:
    parsed = TdmRepFile.parse(document[0])
    candidates = [urls] + [matching(rule.location) for rule in parsed.rules]
    url = data.draw(st.one_of(candidates))
    found = parsed.match(url)
    alone = [TdmRepFile((rule,)).match(url) for rule in parsed.rules]
    assert found == next((rule for rule in alone if rule is not None), None)


# --------------------------------------------------------------------------
# 4. Header and meta channels
# --------------------------------------------------------------------------

channel_values = st.none() | st.sampled_from(("1", " 0 ", "1.0", "yes", "")) | any_text


@given(channel_values, channel_values)
def test_header_values(reservation: str | None, policy: str | None) -> None:
    value, errors = header_value(reservation, policy)
    if value is None:
        assert reservation is None or reservation.strip() not in ("0", "1")
    else:
        assert value.channel == "header" and str(value.reservation) == reservation.strip()  # type: ignore[union-attr]
        assert value.policy is None or value.reservation == 1
        assert errors == ()


@given(
    st.lists(
        st.tuples(
            st.sampled_from(("tdm-reservation", "TDM-Reservation ", "tdm-policy", "robots")),
            channel_values.map(str),
        ),
        max_size=5,
    ),
    st.randoms(use_true_random=False),
)
def test_a_meta_reservation_does_not_depend_on_order(
    metas: list[tuple[str, str]], rnd: Any
) -> None:
    value, _ = meta_value(metas)
    shuffled = list(metas)
    rnd.shuffle(shuffled)
    again, _ = meta_value(shuffled)
    assert (value and value.reservation) == (again and again.reservation)
    if value is not None:
        assert value.channel == "meta"


@given(st.lists(st.tuples(any_text | st.none() | st.integers(), any_text | st.none()), max_size=3))
def test_meta_pairs_of_anything(metas: list[tuple[Any, Any]]) -> None:
    meta_value(metas)


# --------------------------------------------------------------------------
# 5. Evidence
# --------------------------------------------------------------------------

tdm_values = st.none() | st.builds(
    TdmValue,
    st.sampled_from((0, 1, None)),
    st.none() | policies,
    st.sampled_from(("header", "meta")),
)
file_rules = st.none() | st.builds(
    TdmRule, st.integers(0, 9), locations, st.sampled_from((0, 1)), st.none() | policies
)


@given(file_rules, tdm_values, tdm_values, st.lists(any_text, max_size=3))
def test_the_last_channel_set_decides(
    rule: TdmRule | None, header: TdmValue | None, meta: TdmValue | None, errors: list[str]
) -> None:
    evidence = tdm_evidence(rule, header, meta, file_source="f", page_source="p", errors=errors)
    channels = [v for v in (rule, header, meta) if v is not None and v.reservation in (0, 1)]
    deciding = [e for e in evidence if e.effect is not Effect.INFO]
    assert len(evidence) == len(channels) + len(errors)
    if not channels:
        assert deciding == []
        return
    (piece,) = deciding
    last = channels[-1]
    assert piece.effect is (Effect.DENY if last.reservation == 1 else Effect.ALLOW)
    assert piece.purposes == TDM_PURPOSES
    assert piece.source == ("f" if isinstance(last, TdmRule) else "p")


# --------------------------------------------------------------------------
# 6. Hostile inputs
# --------------------------------------------------------------------------


def test_hostile_bodies() -> None:
    def kind(body: bytes) -> str:
        (error,) = TdmRepFile.parse(body, max_bytes=2 * hostile.MB).errors
        return error.removeprefix(f"{FILE_ERROR_PREFIX}: ").split(" (")[0]

    kinds = {name: kind(build()) for name, build in hostile.INPUTS.items()}
    assert kinds == {
        "1 MB of *": "not JSON",
        "1 MB line": "not JSON",
        "100k lines": "not JSON",
        "deep JSON": "JSON nested too deeply",
        "deep XML": "not JSON",
        "billion laughs": "not JSON",
        "10k /*a*a* rules": "not JSON",
    }
    (over,) = TdmRepFile.parse(hostile.stars()).errors
    assert over == f"{FILE_ERROR_PREFIX}: 1048576 bytes, over the 1000000 byte limit: ignored"


def test_a_hundred_thousand_entries() -> None:
    good = json.dumps(
        [{"location": f"/p{i}/", "tdm-reservation": 1} for i in range(hostile.LINES // 10)]
    )
    parsed = TdmRepFile.parse(good.encode())
    assert len(parsed.rules) == hostile.LINES // 10 and parsed.errors == ()
    assert parsed.match("/p9999/x") == parsed.rules[-1]
    body = json.dumps([{"location": "x"}] * hostile.LINES).encode()
    bad = TdmRepFile.parse(body, max_bytes=len(body))
    assert bad.rules == () and len(bad.errors) == MAX_ERRORS + 1
    assert bad.errors[-1] == f"{FILE_ERROR_PREFIX}: {hostile.LINES - MAX_ERRORS} more errors"
