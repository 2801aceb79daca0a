"""RSL 1.0 (Really Simple Licensing): a pure parser and evaluator (SIGNALS.md section 7).

Bytes in, a frozen :class:`RslDocument` out; a document and a URL in, Evidence out. No I/O, and
nothing here raises on bad input: what was wrong goes to ``RslDocument.errors``.

Parsing (``parse_rsl``):

* the size bound is checked before anything else; UTF-16/UTF-32 bodies are refused (this reader
  takes UTF-8, which every RSL example declares: refusing is the restrictive reading);
* defusedxml with DTDs forbidden: a billion-laughs or quadratic-blowup file, an external entity
  or an external DTD never expands or loads anything, and the document is invalid;
* the root must be ``<rsl>`` in the namespace ``https://rslstandard.org/rsl``; ``max-age`` (days,
  default 30) is clamped to 0..365 so a stale licence is revalidated within a year at most;
* **a missing or unreadable required part makes the whole document invalid**: no root, no
  ``<content>``, a ``<content>`` without a usable ``url`` or without ``<license>``, an empty
  ``<license>`` (no permits, prohibits or payment). Skipping the offending part instead could
  let a broader ``<content>`` grant what the skipped one restricted; an invalid document keeps
  no contents and denies every purpose (``rsl-invalid``);
* lesser faults are recorded and read most restrictively, where they stand: an unknown token in
  ``permits`` grants nothing, an unknown token or type in ``prohibits`` prohibits everything,
  a ``permits`` of an unknown type is never satisfied, a payment of unknown or missing type must
  be met, several ``permits`` (or ``prohibits``) of one type are merged (RSL allows one);
  a comma-separated list (RSL 0.9) is read like a space-separated one, and the 0.9 usage
  ``inference`` as ``ai-input``.

Evaluation (``rsl_evidence``), for each of the four purposes:

* the ``<content>`` elements whose ``url`` matches the target (RFC 9309 patterns through
  ``robots.PathPattern``; a path matches the target's path, the caller asking only about the
  site that pointed to the document; a full URL matches only on its own scheme, host and port);
  the longest pattern wins, independently of order; equally long ones combine most
  restrictively (RSL says each ``<content>`` names a distinct asset: a repeat is recorded);
* within one ``<content>``, a licence *prohibits* a purpose when a prohibited usage token
  overlaps it, or the job's user type or geo is prohibited (an unknown job geo is prohibited by
  any geo restriction); it *permits* it when every ``permits`` type present lists a value that
  covers it (usage), the job's user type, or the job's geo (``EU`` covers its members; an
  unknown job geo satisfies no geo list). ``ai-index`` (an AI retrieval index) is part of
  ``ai-input``: prohibiting it prohibits ai-input, permitting it does not grant ai-input;
* one prohibiting licence makes the purpose not licensed (a value both permitted and
  prohibited is not licensed); otherwise a permitting licence whose terms are met grants it
  (ALLOW, which counts as permission in opt-in jobs); otherwise a permitting licence with
  unmet terms makes it licensable: a ``server`` wants a License Token even when free
  (``rsl-license-server``), a payment other than ``free`` (``attribution`` included: it is a
  condition the job must accept) wants a licence (``rsl-payment:<type>``), ``<reporting>``
  wants usage reports (``rsl-reporting``); otherwise nothing permits it (``rsl-not-permitted``);
* the job meets a licence's terms when it holds (``held``) the document URL, the content URL,
  the licence server URL or a payment's standard/custom licence URL.

No matching ``<content>``: no evidence. An invalid document: one DENY for every purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from defusedxml import DTDForbidden
from defusedxml import ElementTree as SafeElementTree

from .memo import EvidenceMemo
from .model import Effect, Evidence, LicenseStatus, Purpose, reason
from .patterns import PathPattern, Rule, RuleIndex, match_path
from .text import clip

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "DEFAULT_MAX_BYTES",
    "INVALID",
    "LICENSE_SERVER",
    "MAX_AGE_DAYS_LIMIT",
    "MEDIA_TYPE",
    "NAMESPACE",
    "NOT_PERMITTED",
    "PAYMENT",
    "PROHIBITED",
    "REPORTING",
    "SIGNAL",
    "USAGE_PURPOSES",
    "RslContent",
    "RslDocument",
    "RslLicense",
    "RslPayment",
    "RslTerms",
    "parse_rsl",
    "rsl_evidence",
]

SIGNAL: Final = "rsl"
NAMESPACE: Final = "https://rslstandard.org/rsl"
MEDIA_TYPE: Final = "application/rsl+xml"
DEFAULT_MAX_BYTES: Final = 1 << 20
DEFAULT_MAX_AGE_DAYS: Final = 30
MAX_AGE_DAYS_LIMIT: Final = 365
#: A file with thousands of faults must not yield thousands of messages.
MAX_ERRORS: Final = 20

# Reason families (model.reason): the first three are reservations, the others offers.
PROHIBITED: Final = "rsl-prohibited"
NOT_PERMITTED: Final = "rsl-not-permitted"
INVALID: Final = "rsl-invalid"
PAYMENT: Final = "rsl-payment"
LICENSE_SERVER: Final = "rsl-license-server"
REPORTING: Final = "rsl-reporting"

_ALL: Final = frozenset(Purpose)
_AI: Final = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT})
_TRAIN: Final = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI})
#: The purposes each RSL 1.0 usage token speaks for.
USAGE_PURPOSES: Final = {
    "all": _ALL,
    "ai-all": _AI,
    "ai-train": _TRAIN,
    "ai-input": frozenset({Purpose.AI_INPUT}),
    "ai-index": frozenset({Purpose.AI_INPUT}),
    "search": frozenset({Purpose.SEARCH}),
}
#: Tokens that cover only part of their purposes: they restrict them but cannot grant them.
_PARTIAL: Final = frozenset({"ai-index"})
_LEGACY_USAGE: Final = {"inference": "ai-input"}  # RSL 0.9
_USERS: Final = frozenset({"commercial", "non-commercial", "education", "government", "personal"})
_PAYMENT_TYPES: Final = frozenset(
    {
        "purchase",
        "subscription",
        "training",
        "crawl",
        "use",
        "contribution",
        "attribution",
        "free",
    }
)
_FREE: Final = "free"
_EU: Final = "EU"
#: ISO 3166-1 alpha-2 codes of the EU member states, for geo lists naming "EU".
EU_MEMBERS: Final = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
    }
)
_TYPES: Final = ("usage", "user", "geo")
_GEO: Final = re.compile(r"[A-Z]{2}")
_LIST_SPLIT: Final = re.compile(r"[\s,]+")
_MAX_AGE: Final = re.compile(r"[0-9]{1,9}")
_CURRENCY: Final = re.compile(r"[A-Z]{3}")
_HTTP: Final = ("http", "https")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_WIDE_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
_Origin = tuple[str, str, int]  # scheme, host, port


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


_RSL: Final = _tag("rsl")
_CONTENT: Final = _tag("content")
_LICENSE: Final = _tag("license")
_PERMITS: Final = _tag("permits")
_PROHIBITS: Final = _tag("prohibits")
_PAYMENT: Final = _tag("payment")
_REPORTING: Final = _tag("reporting")
_LEGAL: Final = _tag("legal")
_STANDARD: Final = _tag("standard")
_CUSTOM: Final = _tag("custom")
_AMOUNT: Final = _tag("amount")
_ACCEPTS: Final = _tag("accepts")
_COPYRIGHT: Final = _tag("copyright")
_TERMS: Final = _tag("terms")
#: Content children kept for the record (copyright, terms) or outside the decision (schema,
#: alternate formats).
_CONTENT_EXTRAS: Final = frozenset({_COPYRIGHT, _TERMS, _tag("schema"), _tag("alternate")})


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RslTerms:
    """The tokens of one licence's ``permits`` (or ``prohibits``) elements, per type; ``None``
    when the licence has no element of that type."""

    usage: frozenset[str] | None = None
    user: frozenset[str] | None = None
    geo: frozenset[str] | None = None
    other: frozenset[str] = frozenset()
    """Types this reader does not know: a permits of one is never met, a prohibits always is."""

    def describe(self, verb: str) -> list[str]:
        parts = [
            f"{verb} {kind}={' '.join(sorted(tokens)) or '(none)'}"
            for kind, tokens in (("usage", self.usage), ("user", self.user), ("geo", self.geo))
            if tokens is not None
        ]
        parts.extend(f"{verb} type={kind}" for kind in sorted(self.other))
        return parts


@dataclass(frozen=True, slots=True)
class RslPayment:
    """One ``<payment>``: its type (``""`` when missing) and rate-card details, as written."""

    type: str
    amount: str | None = None
    currency: str | None = None
    standard: tuple[str, ...] = ()
    custom: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()

    def describe(self) -> str:
        text = f"payment {self.type or '(no type)'}"
        if self.amount is not None:
            text += f" {self.amount}{' ' + self.currency if self.currency else ''}"
        return text


@dataclass(frozen=True, slots=True)
class RslLicense:
    """One ``<license>`` of a ``<content>``."""

    element: str
    """Locator for evidence: ``content[2]/license[1]`` (1-based, as in XPath)."""
    permits: RslTerms = RslTerms()
    prohibits: RslTerms = RslTerms()
    payments: tuple[RslPayment, ...] = ()
    """Empty means free (RSL: an absent payment is free)."""
    reporting: tuple[str, ...] = ()
    """``<reporting>`` values: usage must be reported before the licence holds."""
    legal: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [*self.permits.describe("permits"), *self.prohibits.describe("prohibits")]
        parts.extend(payment.describe() for payment in self.payments)
        if self.reporting:
            parts.append("reporting required")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class RslContent:
    """One ``<content>``: the assets its ``url`` pattern names and the licences offered."""

    element: str
    """Locator for evidence: ``content[2]``."""
    url: str
    """As written: a path pattern (RFC 9309 ``*`` and ``$``) or a full http(s) URL."""
    licenses: tuple[RslLicense, ...]
    server: str | None = None
    """License Server URL: a License Token is needed first, even for a free licence."""
    encrypted: bool = False
    lastmod: str | None = None
    copyright: str | None = None
    terms: str | None = None

    @property
    def origin(self) -> _Origin | None:
        """(scheme, host, port) of a full-URL ``url``; None for a path."""
        return None if self.url.startswith(("/", "*")) else _origin(self.url)


@dataclass(frozen=True, slots=True)
class RslDocument:
    """A parsed RSL document. Build it with :func:`parse_rsl`; never use one whose ``valid``
    is False for anything but its errors (it keeps no contents)."""

    url: str
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    contents: tuple[RslContent, ...] = ()
    errors: tuple[str, ...] = ()
    valid: bool = False
    # The contents' patterns bucketed by their literal start (line = index in contents), so a
    # 5,000-content file matches only the candidates whose start the path has.
    _index: RuleIndex = field(init=False, repr=False, compare=False)
    _origins: tuple[_Origin | None, ...] = field(init=False, repr=False, compare=False)
    # The evidence of each (matching contents, job terms): URLs repeat a handful of outcomes.
    _memo: EvidenceMemo = field(default_factory=EvidenceMemo, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        origins = tuple(content.origin for content in self.contents)
        patterns = (
            PathPattern.compile(Rule(i, False, c.url if o is None else _path_of(c.url)))
            for i, (c, o) in enumerate(zip(self.contents, origins, strict=True))
        )
        object.__setattr__(self, "_index", RuleIndex.of(patterns))
        object.__setattr__(self, "_origins", origins)

    def select(self, target_url: str) -> tuple[int, ...]:
        """Indices of the contents that match ``target_url`` with the longest pattern."""
        path = match_path(target_url)
        target: _Origin | None = None
        best = -1
        chosen: list[int] = []
        for length in self._index.lengths:
            if length > len(path):
                break
            for matcher in self._index.starts.get(path[:length], ()):
                if matcher.length < best:
                    break  # buckets are longest-first
                index = matcher.rule.line
                if not matcher.matches(path):
                    continue
                if self._origins[index] is not None:
                    target = target or _origin(target_url)
                    if self._origins[index] != target:
                        continue
                if matcher.length > best:
                    best, chosen = matcher.length, []
                chosen.append(index)
        return tuple(sorted(chosen))


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


def parse_rsl(body: bytes | str, *, url: str, max_bytes: int = DEFAULT_MAX_BYTES) -> RslDocument:
    """Parse an RSL document fetched from ``url``. Never raises: see ``errors`` and ``valid``."""
    data, problem = _bounded(body, max_bytes)
    if data is None:
        return RslDocument(url, errors=(problem,))
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DTDForbidden as exc:
        where = f" (external DTD {_short(exc.sysid)})" if exc.sysid else ""
        problem = (
            f"DTD <!DOCTYPE {_short(exc.name)}>{where} refused: no entity expansion "
            "and no external entities are read"
        )
        return RslDocument(url, errors=(problem,))
    except (SyntaxError, ValueError, LookupError) as exc:  # ParseError, bad declared encoding
        return RslDocument(url, errors=(f"not well-formed XML: {_short(exc)}",))
    return _Reader().document(root, url)


def _bounded(body: object, max_bytes: int) -> tuple[bytes | None, str]:
    if isinstance(body, str):
        if len(body) > max_bytes:  # at least one octet a character: over for sure
            return None, f"{len(body)} characters, over the {max_bytes} byte limit: not read"
        try:
            body = body.encode("utf-8")
        except UnicodeEncodeError:
            return None, "text with unpaired surrogates: not read"
    if not isinstance(body, bytes | bytearray | memoryview):
        return None, f"body is {type(body).__name__}, not bytes: not read"
    if len(body) > max_bytes:
        return None, f"{len(body)} bytes, over the {max_bytes} byte limit: not read"
    data = bytes(body)
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]:
        return None, "UTF-16 or UTF-32 encoded: this reader takes UTF-8 only"
    return data, ""


class _Invalid(Exception):
    """A required part is missing or unreadable: the whole document is invalid."""


class _Reader:
    """Walks a parsed tree into the frozen model, collecting what was wrong."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def note(self, message: str) -> None:
        self.errors.append(message)

    def document(self, root: Any, url: str) -> RslDocument:
        try:
            max_age, contents = self._root(root)
        except _Invalid as exc:
            return RslDocument(url, errors=(*self._notes(), str(exc)))
        return RslDocument(url, max_age, contents, self._notes(), True)

    def _notes(self) -> tuple[str, ...]:
        if len(self.errors) <= MAX_ERRORS:
            return tuple(self.errors)
        more = len(self.errors) - (MAX_ERRORS - 1)
        return (*self.errors[: MAX_ERRORS - 1], f"{more} more errors")

    def _root(self, root: Any) -> tuple[int, tuple[RslContent, ...]]:
        if root.tag != _RSL:
            namespace, _, local = str(root.tag).rpartition("}")
            where = f"in namespace {namespace[1:]!r}" if namespace else "in no namespace"
            raise _Invalid(
                f"root element <{_short(local)}> {where}: an RSL document is <rsl> in {NAMESPACE}"
            )
        contents: list[RslContent] = []
        seen: dict[str, str] = {}
        for child in _children(root, self):
            if child.tag != _CONTENT:
                self.note(f"unknown element <{_local(child.tag)}> in <rsl>: ignored")
                continue
            content = self._content(child, f"content[{len(contents) + 1}]")
            if content.url in seen:
                self.note(
                    f"{content.element} repeats the url {_short(content.url)!r} of "
                    f"{seen[content.url]}: both apply, most restrictively"
                )
            seen.setdefault(content.url, content.element)
            contents.append(content)
        if not contents:
            raise _Invalid("no <content> element: nothing says what is licensed")
        return self._max_age(root.get("max-age")), tuple(contents)

    def _max_age(self, raw: str | None) -> int:
        if raw is None:
            return DEFAULT_MAX_AGE_DAYS
        if not _MAX_AGE.fullmatch(raw.strip()):
            self.note(f"max-age {_short(raw)!r} is not a number of days: {DEFAULT_MAX_AGE_DAYS}")
            return DEFAULT_MAX_AGE_DAYS
        days = int(raw)
        if days > MAX_AGE_DAYS_LIMIT:
            self.note(f"max-age {days} days: capped at {MAX_AGE_DAYS_LIMIT}")
            return MAX_AGE_DAYS_LIMIT
        return days

    def _content(self, element: Any, locator: str) -> RslContent:
        url = (element.get("url") or "").strip()
        if not url:
            raise _Invalid(f"{locator}: required attribute url is missing")
        if not _is_scope(url):
            raise _Invalid(
                f"{locator}: url {_short(url)!r} is neither a path (starting with / or *) "
                "nor a full http(s) URL"
            )
        server = (element.get("server") or "").strip() or None
        if server is not None and _origin(server) is None:
            # Still a licence server: a token is still needed first.
            self.note(f"{locator}: server {_short(server)!r} is not an http(s) URL")
        licenses: list[RslLicense] = []
        extras: dict[str, str] = {}
        for child in _children(element, self):
            if child.tag == _LICENSE:
                licenses.append(self._license(child, f"{locator}/license[{len(licenses) + 1}]"))
            elif child.tag in _CONTENT_EXTRAS:
                extras.setdefault(child.tag, _text(child))
            else:
                self.note(f"unknown element <{_local(child.tag)}> in {locator}: ignored")
        if not licenses:
            raise _Invalid(f"{locator}: no <license> element")
        return RslContent(
            element=locator,
            url=url,
            licenses=tuple(licenses),
            server=server,
            encrypted=self._flag(element.get("encrypted"), locator),
            lastmod=(element.get("lastmod") or "").strip() or None,
            copyright=extras.get(_COPYRIGHT) or None,
            terms=extras.get(_TERMS) or None,
        )

    def _flag(self, raw: str | None, locator: str) -> bool:
        value = (raw or "false").strip().lower()
        if value not in ("true", "false"):
            self.note(f"{locator}: encrypted {_short(value)!r} is not true or false: true")
            return True  # licensing runs through the server either way; assume the stricter
        return value == "true"

    def _license(self, element: Any, locator: str) -> RslLicense:
        terms: dict[str, dict[str, set[str]]] = {"permits": {}, "prohibits": {}}
        payments: list[RslPayment] = []
        reporting: list[str] = []
        legal: list[str] = []
        for child in _children(element, self):
            if child.tag in (_PERMITS, _PROHIBITS):
                self._terms(child, locator, terms[_local(child.tag)])
            elif child.tag == _PAYMENT:
                payments.append(self._payment(child, locator))
            elif child.tag == _REPORTING:
                reporting.append(_text(child))
            elif child.tag == _LEGAL:
                legal.append(_text(child))
            else:
                self.note(f"unknown element <{_local(child.tag)}> in {locator}: ignored")
        if not (terms["permits"] or terms["prohibits"] or payments):
            raise _Invalid(f"{locator}: empty <license> (no permits, prohibits or payment)")
        return RslLicense(
            element=locator,
            permits=_frozen(terms["permits"]),
            prohibits=_frozen(terms["prohibits"]),
            payments=tuple(payments),
            reporting=tuple(reporting),
            legal=tuple(legal),
        )

    def _terms(self, element: Any, locator: str, into: dict[str, set[str]]) -> None:
        verb = _local(element.tag)
        kind = (element.get("type") or "").strip().lower()
        where = f"{locator}: <{verb} type={_short(kind)!r}>" if kind else f"{locator}: <{verb}>"
        if kind not in _TYPES:
            effect = "never met" if verb == "permits" else "prohibits everything"
            self.note(f"{where}: unknown or missing type: {effect}")
            into.setdefault(f"other:{kind or '(none)'}", set())
            return
        if kind in into:
            self.note(f"{where} appears more than once: merged")
        tokens = into.setdefault(kind, set())
        for token in _LIST_SPLIT.split(_text(element)):
            if token:
                tokens.add(self._token(kind, token, where, verb))

    def _token(self, kind: str, token: str, where: str, verb: str) -> str:
        if kind == "geo":
            token = token.upper()
            known = token == _EU or _GEO.fullmatch(token) is not None
        else:
            token = token.lower()
            if kind == "usage" and token in _LEGACY_USAGE:
                return _LEGACY_USAGE[token]
            known = token in (USAGE_PURPOSES if kind == "usage" else _USERS)
        if not known:
            effect = "grants nothing" if verb == "permits" else "read as prohibiting everything"
            self.note(f"{where}: unknown {kind} value {_short(token)!r}: {effect}")
        return token

    def _payment(self, element: Any, locator: str) -> RslPayment:
        kind = (element.get("type") or "").strip().lower()
        if kind not in _PAYMENT_TYPES:
            self.note(f"{locator}: payment type {_short(kind)!r} unknown: it must be met")
        links: dict[str, list[str]] = {_STANDARD: [], _CUSTOM: [], _ACCEPTS: []}
        amount: str | None = None
        currency: str | None = None
        for child in _children(element, self):
            if child.tag in links:
                links[child.tag].append(_text(child))
            elif child.tag == _AMOUNT:
                amount, currency = _text(child), (child.get("currency") or "").strip() or None
                self._check_amount(amount, currency, locator)
            else:
                self.note(f"unknown element <{_local(child.tag)}> in {locator}/payment: ignored")
        standard, custom, accepts = (tuple(v for v in links[t] if v) for t in links)
        return RslPayment(kind, amount, currency, standard, custom, accepts)

    def _check_amount(self, amount: str, currency: str | None, locator: str) -> None:
        try:
            number = Decimal(amount)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number < 0:
            self.note(f"{locator}: amount {_short(amount)!r} is not a price")
        if currency is None or not _CURRENCY.fullmatch(currency):
            self.note(f"{locator}: currency {_short(currency)!r} is not an ISO 4217 code")


def _children(element: Any, reader: _Reader) -> Iterator[Any]:
    """RSL-namespace children; other namespaces are extensions and are skipped."""
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(f"{{{NAMESPACE}}}"):
            yield child
        elif isinstance(tag, str) and not tag.startswith("{"):
            reader.note(f"element <{_short(tag)}> in no namespace: ignored")


def _frozen(terms: dict[str, set[str]]) -> RslTerms:
    other = frozenset(key.partition(":")[2] for key in terms if key.startswith("other:"))
    usage, user, geo = (frozenset(terms[kind]) if kind in terms else None for kind in _TYPES)
    return RslTerms(usage, user, geo, other)


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def _short(text: object) -> str:
    return clip(str(text), 80)  # a quoted value in an error message


def _is_scope(url: str) -> bool:
    return url.startswith(("/", "*")) or _origin(url) is not None


def _origin(url: str) -> _Origin | None:
    """(scheme, host, port) of a full http(s) URL; None when it has none or a bad port."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if scheme not in _HTTP or not parts.hostname or port is None:
        return None
    return scheme, parts.hostname.lower(), port


def _path_of(url: str) -> str:
    """The path+query of a full URL, as a pattern ("/" when it has none)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


class _Kind(IntEnum):
    """What the selected content says of one purpose; a higher value is more restrictive."""

    GRANTED = 0
    OFFERED = 1  # permitted on terms the job has not met
    NOT_PERMITTED = 2
    PROHIBITED = 3


@dataclass(frozen=True, slots=True)
class _Outcome:
    kind: _Kind
    code: str | None  # reason code (None for a grant)
    element: str  # locator of the deciding element: equal outcomes share one Evidence
    content: RslContent = field(compare=False)
    license: RslLicense | None = field(compare=False)  # None: no licence permits it

    def statement(self) -> str:
        terms = (
            self.license.describe()
            if self.license is not None
            else " | ".join(lic.describe() for lic in self.content.licenses)
        )
        verdict = "" if self.license is not None else "not permitted by "
        return f"url={self.content.url}: {verdict}{terms}"


def rsl_evidence(
    doc: RslDocument,
    target_url: str,
    *,
    held: frozenset[str],
    user: str,
    geo: str | None,
    document_sha256: str | None,
) -> tuple[Evidence, ...]:
    """Evidence of what ``doc`` says about ``target_url`` for each purpose (see the module)."""
    if not doc.valid:
        first = doc.errors[0] if doc.errors else "unreadable"
        return (
            Evidence(
                signal=SIGNAL,
                source=doc.url,
                value=clip(f"invalid RSL document: {first}"),
                effect=Effect.DENY,
                reason=reason(INVALID),
                document_sha256=document_sha256,
                license_status=LicenseStatus.RESERVED,
            ),
        )
    selected = doc.select(target_url)
    if not selected:
        return ()
    job = (held, user.strip().lower(), geo.strip().upper() if geo else None)
    return doc._memo.get(
        (selected, job, document_sha256),
        lambda: _evidence(doc, [doc.contents[i] for i in selected], job, document_sha256),
    )


_Job = tuple[frozenset[str], str, str | None]  # held, user, geo


def _evidence(
    doc: RslDocument, contents: list[RslContent], job: _Job, document_sha256: str | None
) -> tuple[Evidence, ...]:
    grouped: dict[_Outcome, set[Purpose]] = {}
    for purpose in Purpose:
        # Equally long scopes: the most restrictive, and of those the first reason code, so
        # that the order of the <content> elements does not change the reason recorded.
        outcome = min(
            (_content_outcome(doc, content, purpose, job) for content in contents),
            key=lambda o: (-o.kind, o.code or ""),
        )
        grouped.setdefault(outcome, set()).add(purpose)
    return tuple(
        Evidence(
            signal=SIGNAL,
            source=f"{doc.url}#{outcome.element}",
            value=clip(outcome.statement()),
            effect=Effect.ALLOW if outcome.kind is _Kind.GRANTED else Effect.DENY,
            reason=outcome.code,
            document_sha256=document_sha256,
            purposes=frozenset(purposes),
            license_status=_STATUS[outcome.kind],
        )
        for outcome, purposes in grouped.items()
    )


_STATUS: Final = {
    _Kind.GRANTED: None,
    _Kind.OFFERED: LicenseStatus.LICENSABLE,
    _Kind.NOT_PERMITTED: LicenseStatus.RESERVED,
    _Kind.PROHIBITED: LicenseStatus.RESERVED,
}


def _content_outcome(
    doc: RslDocument, content: RslContent, purpose: Purpose, job: _Job
) -> _Outcome:
    outcomes = [_license_outcome(doc, content, lic, purpose, job) for lic in content.licenses]
    prohibited = [o for o in outcomes if o.kind is _Kind.PROHIBITED]
    if prohibited:  # a value both permitted and prohibited is not licensed
        return min(prohibited, key=lambda o: o.code or "")
    granted = [o for o in outcomes if o.kind is _Kind.GRANTED]
    if granted:
        return granted[0]
    offered = [o for o in outcomes if o.kind is _Kind.OFFERED]
    if offered:
        return min(offered, key=lambda o: o.code or "")  # order-independent choice
    return _Outcome(_Kind.NOT_PERMITTED, reason(NOT_PERMITTED), content.element, content, None)


def _license_outcome(
    doc: RslDocument, content: RslContent, lic: RslLicense, purpose: Purpose, job: _Job
) -> _Outcome:
    held, user, geo = job
    banned = _prohibited(lic.prohibits, purpose, user, geo)
    if banned is not None:
        return _Outcome(_Kind.PROHIBITED, reason(PROHIBITED, banned), lic.element, content, lic)
    if not _permitted(lic.permits, purpose, user, geo):
        return _Outcome(_Kind.NOT_PERMITTED, None, lic.element, content, lic)
    if content.server is not None:
        code = reason(LICENSE_SERVER)
    elif lic.payments and not any(p.type == _FREE for p in lic.payments):
        code = reason(PAYMENT, lic.payments[0].type or "unknown")
    elif lic.reporting:
        code = reason(REPORTING)
    else:  # free, nothing to obtain
        return _Outcome(_Kind.GRANTED, None, lic.element, content, lic)
    if held and not held.isdisjoint(_holdable(doc, content, lic)):
        return _Outcome(_Kind.GRANTED, None, lic.element, content, lic)
    return _Outcome(_Kind.OFFERED, code, lic.element, content, lic)


def _prohibited(terms: RslTerms, purpose: Purpose, user: str, geo: str | None) -> str | None:
    """The prohibited value that reaches this job's purpose, user or geo, if any."""
    for token in sorted(terms.usage or ()):
        if purpose in USAGE_PURPOSES.get(token, _ALL):  # unknown: fail closed
            return token
    for token in sorted(terms.user or ()):
        if token == user or token not in _USERS:
            return f"user={token}"
    for token in sorted(terms.geo or ()):
        if geo is None or _geo_overlaps(token, geo):
            return f"geo={token}"
    if terms.other:
        return f"type={min(terms.other)}"
    return None


def _permitted(terms: RslTerms, purpose: Purpose, user: str, geo: str | None) -> bool:
    """Every permits type present lists a value that covers the job ("allows only its listed
    values"); no permits at all restricts nothing."""
    if terms.other:
        return False
    if terms.usage is not None and not any(
        purpose in USAGE_PURPOSES.get(token, ()) and token not in _PARTIAL for token in terms.usage
    ):
        return False
    if terms.user is not None and user not in terms.user:
        return False
    if terms.geo is not None:
        return geo is not None and any(_geo_covers(token, geo) for token in terms.geo)
    return True


def _geo_covers(token: str, geo: str) -> bool:
    """Does the listed ``token`` cover all of the job's ``geo``?"""
    return token == geo or (token == _EU and geo in EU_MEMBERS)


def _geo_overlaps(token: str, geo: str) -> bool:
    """Does the listed ``token`` reach any part of the job's ``geo``?"""
    if token == geo:
        return True
    if token == _EU:
        return geo in EU_MEMBERS
    if geo == _EU:
        return token in EU_MEMBERS
    return not (_GEO.fullmatch(token) or token == _EU)  # unknown: fail closed


def _holdable(doc: RslDocument, content: RslContent, lic: RslLicense) -> Iterator[str]:
    """The URLs that identify a licence the job may hold for these terms."""
    yield doc.url
    yield content.url
    yield urljoin(doc.url, content.url)
    if content.server is not None:
        yield content.server
    for payment in lic.payments:
        yield from payment.standard
        yield from payment.custom
