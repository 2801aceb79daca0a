"""Properties of crawler.consent.rsl (RSL 1.0 parser and evaluator).

1. Any body parses into a valid document with contents or an invalid one without; errors are
   bounded; nothing raises.
2. Parsing is a normalisation: a valid document written back as XML reads the same, and a
   namespace prefix reads like the default namespace.
3. Evidence: nothing, or each purpose exactly once; an invalid document denies everything.
4. The order of ``<content>`` and ``<license>`` elements does not matter; holding more
   licences never turns a grant into a denial.
5. Hostile inputs.
"""

from __future__ import annotations

import random
from xml.sax.saxutils import escape, quoteattr

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.model import Effect, Evidence, LicenseStatus, Purpose
from crawler.consent.rsl import (
    MAX_AGE_DAYS_LIMIT,
    MAX_ERRORS,
    NAMESPACE,
    RslDocument,
    RslLicense,
    RslTerms,
    parse_rsl,
    rsl_evidence,
)

from . import hostile
from .strategies import RSL, any_text, mutated, urls

DOC_URL = "https://site.test/license.xml"
_HOLDABLE = (DOC_URL, "https://lic.example/", "https://std.example/licence", "/articles/")

_TOKENS = {
    "usage": ("all", "ai-all", "ai-train", "ai-input", "ai-index", "search", "inference", "x"),
    "user": ("commercial", "non-commercial", "education", "government", "personal", "Pro"),
    "geo": ("US", "DE", "EU", "fr", "XX1"),
}
_PAYMENTS = ("purchase", "crawl", "attribution", "free", "", "barter")
_URLS = ("/", "/articles/", "/a*", "*.pdf$", "https://site.test/x", "https://other.test/", "x")


@st.composite
def _license(draw: st.DrawFn, t: str) -> str:
    parts = []
    for verb in draw(st.lists(st.sampled_from(("permits", "prohibits")), max_size=3)):
        kind = draw(st.sampled_from((*_TOKENS, "bogus", "")))
        tokens = draw(st.lists(st.sampled_from(_TOKENS.get(kind, ("a",))), max_size=3))
        sep = draw(st.sampled_from((" ", ", ", "\n")))
        attr = f" type={quoteattr(kind)}" if kind else ""
        parts.append(f"<{t}{verb}{attr}>{sep.join(tokens)}</{t}{verb}>")
    for kind in draw(st.lists(st.sampled_from(_PAYMENTS), max_size=2)):
        amount = draw(st.sampled_from(("", f'<{t}amount currency="USD">0.01</{t}amount>')))
        standard = draw(
            st.sampled_from(("", f"<{t}standard>https://std.example/licence</{t}standard>"))
        )
        parts.append(f"<{t}payment type={quoteattr(kind)}>{amount}{standard}</{t}payment>")
    if draw(st.booleans()):
        parts.append(f"<{t}reporting>https://report.example/</{t}reporting>")
    if draw(st.booleans()):
        parts.append("<ext:note xmlns:ext='https://ext.example/'>extension</ext:note>")
    return f"<{t}license>{''.join(draw(st.permutations(parts)))}</{t}license>"


@st.composite
def _content(draw: st.DrawFn, t: str) -> str:
    url = draw(st.sampled_from(_URLS))
    attrs = f" url={quoteattr(url)}"
    if draw(st.booleans()):
        attrs += ' server="https://lic.example/"'
    licenses = "".join(draw(st.lists(_license(t), min_size=1, max_size=3)))
    return f"<{t}content{attrs}>{licenses}</{t}content>"


@st.composite
def _documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(the root's opening tag, its ``<content>`` elements), in the default namespace or
    under a prefix."""
    prefix = draw(st.sampled_from(("", "r:")))
    xmlns = f"xmlns{':r' if prefix else ''}={quoteattr(NAMESPACE)}"
    age = draw(st.sampled_from(("", ' max-age="7"', ' max-age="9999"', ' max-age="x"')))
    contents = draw(st.lists(_content(prefix), min_size=1, max_size=4))
    return f"<{prefix}rsl {xmlns}{age}>", contents


def _xml(document: tuple[str, list[str]], contents: list[str] | None = None) -> str:
    head, own = document
    close = "</r:rsl>" if head.startswith("<r:") else "</rsl>"
    return head + "".join(own if contents is None else contents) + close


bodies = st.one_of(
    _documents().map(_xml),
    mutated(RSL),
    any_text,
    st.binary(max_size=100),
)


def _serialise(doc: RslDocument) -> str:
    """A valid document as RSL XML again."""

    def text(value: str) -> str:
        return escape(value, {"\r": "&#13;"})

    def terms(verb: str, lic: RslLicense) -> str:
        found = lic.permits if verb == "permits" else lic.prohibits
        out = [
            f'<{verb} type="{kind}">{text(" ".join(sorted(tokens)))}</{verb}>'
            for kind, tokens in (("usage", found.usage), ("user", found.user), ("geo", found.geo))
            if tokens is not None
        ]
        for kind in sorted(found.other):
            out.append(f"<{verb}/>" if kind == "(none)" else f"<{verb} type={quoteattr(kind)}/>")
        return "".join(out)

    contents = []
    for content in doc.contents:
        attrs = f" url={quoteattr(content.url)}"
        for name in ("server", "lastmod"):
            if getattr(content, name) is not None:
                attrs += f" {name}={quoteattr(getattr(content, name))}"
        attrs += ' encrypted="true"' if content.encrypted else ""
        inner = []
        for lic in content.licenses:
            parts = [terms("permits", lic), terms("prohibits", lic)]
            for pay in lic.payments:
                amount = ""
                if pay.amount is not None:
                    currency = f" currency={quoteattr(pay.currency)}" if pay.currency else ""
                    amount = f"<amount{currency}>{text(pay.amount)}</amount>"
                links = "".join(
                    f"<{name}>{text(value)}</{name}>"
                    for name, values in (
                        ("standard", pay.standard),
                        ("custom", pay.custom),
                        ("accepts", pay.accepts),
                    )
                    for value in values
                )
                parts.append(f"<payment type={quoteattr(pay.type)}>{amount}{links}</payment>")
            parts += [f"<reporting>{text(v)}</reporting>" for v in lic.reporting]
            parts += [f"<legal>{text(v)}</legal>" for v in lic.legal]
            inner.append(f"<license>{''.join(parts)}</license>")
        for name in ("copyright", "terms"):
            if getattr(content, name) is not None:
                inner.append(f"<{name}>{text(getattr(content, name))}</{name}>")
        contents.append(f"<content{attrs}>{''.join(inner)}</content>")
    return f'<rsl xmlns="{NAMESPACE}" max-age="{doc.max_age_days}">{"".join(contents)}</rsl>'


def _judge(doc: RslDocument, url: str, held: frozenset[str] = frozenset()) -> tuple[Evidence, ...]:
    return rsl_evidence(doc, url, held=held, user="commercial", geo="DE", document_sha256=None)


def _per_purpose(
    evidence: tuple[Evidence, ...],
) -> dict[Purpose, tuple[Effect, str | None, LicenseStatus | None]]:
    found: dict[Purpose, tuple[Effect, str | None, LicenseStatus | None]] = {}
    for piece in evidence:
        for purpose in piece.purposes:
            assert purpose not in found, "each purpose once"
            found[purpose] = (piece.effect, piece.reason, piece.license_status)
    return found


targets = (
    st.sampled_from(
        (
            "https://site.test/",
            "https://site.test/articles/x",
            "https://site.test/a.pdf",
            "https://site.test/x",
            "https://other.test/",
            "https://site.test:8443/x",
        )
    )
    | urls
)


# --------------------------------------------------------------------------
# 1-2. Parsing
# --------------------------------------------------------------------------


@given(bodies)
@example(f'<rsl xmlns="{NAMESPACE}"><content url="/"><license/></content></rsl>')
@example(
    f'<rsl xmlns="{NAMESPACE}" max-age=" 12 "><content url=" / "><license><payment/></license></content></rsl>'
)
def test_any_body_is_a_valid_or_an_invalid_document(body: str | bytes) -> None:
    doc = parse_rsl(body, url=DOC_URL)
    assert len(doc.errors) <= MAX_ERRORS + 1  # the notes, capped, and the fatal one
    assert 0 <= doc.max_age_days <= MAX_AGE_DAYS_LIMIT
    if not doc.valid:
        assert doc.contents == () and doc.errors
        return
    assert doc.contents
    for content in doc.contents:
        assert content.url == content.url.strip() and content.licenses
        for lic in content.licenses:
            assert lic.permits != RslTerms() or lic.prohibits != RslTerms() or lic.payments


@given(bodies)
def test_a_valid_document_written_back_reads_the_same(body: str | bytes) -> None:
    doc = parse_rsl(body, url=DOC_URL)
    if not doc.valid:
        return
    again = parse_rsl(_serialise(doc), url=DOC_URL)
    assert again.valid, again.errors
    assert (again.contents, again.max_age_days) == (doc.contents, doc.max_age_days)


@given(_documents())
def test_a_namespace_prefix_reads_like_the_default_namespace(
    document: tuple[str, list[str]],
) -> None:
    if not document[0].startswith("<r:"):
        return
    plain = _xml(document).replace("<r:", "<").replace("</r:", "</").replace("xmlns:r=", "xmlns=")
    ours, theirs = parse_rsl(_xml(document), url=DOC_URL), parse_rsl(plain, url=DOC_URL)
    assert (ours.valid, ours.contents, ours.errors) == (
        theirs.valid,
        theirs.contents,
        theirs.errors,
    )


# --------------------------------------------------------------------------
# 3-4. Evidence
# --------------------------------------------------------------------------


@given(bodies, targets)
def test_evidence_covers_each_purpose_once_or_nothing(body: str | bytes, url: str) -> None:
    doc = parse_rsl(body, url=DOC_URL)
    evidence = _judge(doc, url)
    if not doc.valid:
        (deny,) = evidence
        assert (deny.effect, deny.reason, deny.purposes) == (
            Effect.DENY,
            "rsl-invalid",
            frozenset(),
        )
        return
    found = _per_purpose(evidence)
    assert set(found) in (set(), set(Purpose))
    for effect, reason, status in found.values():
        assert (effect is Effect.ALLOW) == (reason is None) == (status is None)


_TWO_PROHIBITIONS = (
    f'<rsl xmlns="{NAMESPACE}">',
    [
        '<content url="/"><license><prohibits type="bogus"></prohibits></license></content>',
        '<content url="/"><license><prohibits type="usage">all</prohibits></license></content>',
    ],
)


@given(_documents(), targets, st.randoms(use_true_random=False))
@example(_TWO_PROHIBITIONS, "/", random.Random(0))  # the reason was the first content's
def test_element_order_does_not_matter(
    document: tuple[str, list[str]], url: str, rnd: random.Random
) -> None:
    doc = parse_rsl(_xml(document), url=DOC_URL)
    shuffled = list(document[1])
    rnd.shuffle(shuffled)
    for order in (shuffled, document[1][::-1]):
        again = parse_rsl(_xml(document, order), url=DOC_URL)
        assert doc.valid == again.valid
        if doc.valid:
            assert _per_purpose(_judge(doc, url)) == _per_purpose(_judge(again, url))


@given(bodies, targets, st.sets(st.sampled_from(_HOLDABLE)))
def test_holding_more_never_denies_more(body: str | bytes, url: str, held: set[str]) -> None:
    doc = parse_rsl(body, url=DOC_URL)
    before = _per_purpose(_judge(doc, url))
    after = _per_purpose(_judge(doc, url, frozenset(held)))
    for purpose, (effect, _, _) in before.items():
        if effect is Effect.ALLOW:
            assert after[purpose][0] is Effect.ALLOW


# --------------------------------------------------------------------------
# 5. Hostile inputs
# --------------------------------------------------------------------------

_ALLOW_ALL = '<content url="/"><license><permits type="usage">all</permits></license></content>'


def test_hostile_bodies() -> None:
    for name, build in hostile.INPUTS.items():
        doc = parse_rsl(build(), url=DOC_URL)
        assert not doc.valid and doc.contents == (), name
        assert _per_purpose(_judge(doc, "/")) == {}
    for body in (hostile.billion_laughs(), hostile.quadratic_blowup()):
        (refused,) = parse_rsl(body, url=DOC_URL).errors
        assert refused.startswith("DTD <!DOCTYPE r> refused")


def test_deep_nesting_inside_a_document() -> None:
    deep = hostile.deep_xml().decode()
    doc = parse_rsl(f'<rsl xmlns="{NAMESPACE}">{_ALLOW_ALL}<deep>{deep}</deep></rsl>', url=DOC_URL)
    assert doc.valid and doc.errors == ("unknown element <deep> in <rsl>: ignored",)
    assert {e.effect for e in _judge(doc, "/")} == {Effect.ALLOW}


def test_thousands_of_contents_and_faults() -> None:
    contents = "".join(
        f'<content url="/p{i}/"><license><prohibits type="usage">all</prohibits></license></content>'
        for i in range(5_000)
    )
    doc = parse_rsl(f'<rsl xmlns="{NAMESPACE}">{_ALLOW_ALL}{contents}</rsl>', url=DOC_URL)
    assert doc.valid and len(doc.contents) == 5_001
    assert doc.select("https://site.test/p4999/x") == (5_000,)
    assert {e.effect for e in _judge(doc, "/p4999/x")} == {Effect.DENY}
    assert {e.effect for e in _judge(doc, "/q")} == {Effect.ALLOW}
    faults = " ".join(f"bad{i}" for i in range(hostile.LINES))
    noisy = parse_rsl(
        f'<rsl xmlns="{NAMESPACE}"><content url="/"><license><permits type="usage">{faults}'
        "</permits></license></content></rsl>",
        url=DOC_URL,
    )
    assert noisy.valid and len(noisy.errors) == MAX_ERRORS
    assert {e.effect for e in _judge(noisy, "/")} == {Effect.DENY}
