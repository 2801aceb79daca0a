"""W3C TDMRep (TDM Reservation Protocol): tdmrep.json, HTTP headers and HTML meta.

Pure: bytes and strings in, frozen values and Evidence out; nothing here raises on bad input.
A protocol error makes the channel concerned *unset* and is returned as a message, so the
catalog can show what a site got wrong (SIGNALS.md section 4).

Precedence is the spec's: the file is read first, a header overrides it, an HTML meta overrides
the header, and an absent or broken channel never resets an earlier value. TDM (CDSM Art. 2(2))
covers every kind of ML training and, by our reading, RAG ingestion; search indexing is not TDM,
so no TDMRep value speaks for the ``search`` purpose.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from .model import Effect, Evidence, LicenseStatus, Purpose, reason

# The matcher is private to robots.py; TDMRep's "location" uses the same robots-style syntax
# (``*``, trailing ``$``, case-sensitive prefix match), so it is reused rather than duplicated.
from .patterns import PathPattern, Rule, match_path

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FILE_ERROR_PREFIX",
    "SIGNAL",
    "TDM_PURPOSES",
    "TdmRepFile",
    "TdmRule",
    "TdmValue",
    "header_value",
    "meta_value",
    "tdm_evidence",
]

SIGNAL: Final = "tdmrep"
#: Reason family of a reservation (in model.RESERVATION_FAMILIES).
RESERVED: Final = "tdmrep-reserved"
#: The purposes a TDMRep value speaks for.
TDM_PURPOSES: Final = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT})
#: A tdmrep.json is a short list of path rules; anything near this size is not one.
DEFAULT_MAX_BYTES: Final = 1_000_000
#: Every error about the file starts with this, so tdm_evidence can tell which source it names.
FILE_ERROR_PREFIX: Final = "tdmrep.json"
#: A file with thousands of bad entries must not produce thousands of evidence rows per URL.
MAX_ERRORS: Final = 20

_RESERVATION: Final = "tdm-reservation"
_POLICY: Final = "tdm-policy"
_LOCATION: Final = "location"
_MISSING: Final = object()


@dataclass(frozen=True, slots=True)
class TdmRule:
    """One well-formed entry of tdmrep.json."""

    index: int
    """Position in the JSON array (0-based): the file's "line" for evidence."""
    location: str
    reservation: int
    """1 reserved, 0 not reserved."""
    policy: str | None
    """Policy URL; always None when reservation is 0 (the spec says it is ignored then)."""


@dataclass(frozen=True, slots=True)
class TdmValue:
    """The value one page-level channel (or the file) gives."""

    reservation: int | None
    """1, 0, or None for unset."""
    policy: str | None
    channel: str
    """"file", "header" or "meta"."""


@dataclass(frozen=True, slots=True)
class TdmRepFile:
    """A parsed /.well-known/tdmrep.json. Build it with :meth:`parse`."""

    rules: tuple[TdmRule, ...] = ()
    errors: tuple[str, ...] = ()
    """Protocol errors (whole file or per entry), each starting with FILE_ERROR_PREFIX."""
    _matchers: tuple[PathPattern, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        matchers = tuple(
            PathPattern.compile(Rule(rule.index, False, rule.location)) for rule in self.rules
        )
        object.__setattr__(self, "_matchers", matchers)

    @classmethod
    def parse(cls, body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> TdmRepFile:
        """Parse a tdmrep.json body. Never raises: problems end up in ``errors``."""
        try:
            data = bytes(body)
        except (TypeError, ValueError):
            return cls((), (f"{FILE_ERROR_PREFIX}: body is not bytes ({type(body).__name__})",))
        if len(data) > max_bytes:
            # A truncated JSON document cannot be parsed, so the whole file is unset.
            size = f"{len(data)} bytes, over the {max_bytes} byte limit"
            return cls((), (f"{FILE_ERROR_PREFIX}: {size}: ignored",))
        errors: list[str] = []
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            # Decoding with replacement keeps the readable rules: a stray byte in one policy URL
            # should not silently turn a site's reservation into "unset".
            errors.append(
                f"{FILE_ERROR_PREFIX}: not valid UTF-8 (byte {exc.start}); "
                "read with replacement characters"
            )
            text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        try:
            document: object = json.loads(text)
        except RecursionError:
            return cls((), (*errors, f"{FILE_ERROR_PREFIX}: JSON nested too deeply"))
        except ValueError as exc:  # JSONDecodeError, and int() digit limits
            return cls((), (*errors, f"{FILE_ERROR_PREFIX}: not JSON ({_short(str(exc))})"))
        if not isinstance(document, list):
            kind = _json_type(document)
            message = f"top-level JSON {kind}, not the array of rules the protocol requires"
            return cls((), (*errors, f"{FILE_ERROR_PREFIX}: {message}"))
        rules: list[TdmRule] = []
        entry_errors: list[str] = []
        for index, entry in enumerate(document):
            rule = _parse_entry(index, entry, entry_errors)
            if rule is not None:
                rules.append(rule)
        if len(entry_errors) > MAX_ERRORS:
            more = len(entry_errors) - MAX_ERRORS
            entry_errors = [*entry_errors[:MAX_ERRORS], f"{FILE_ERROR_PREFIX}: {more} more errors"]
        return cls(tuple(rules), (*errors, *entry_errors))

    def match(self, url: str) -> TdmRule | None:
        """The first rule, in array order, whose location matches the URL's path+query."""
        try:
            path = match_path(url)
        except (TypeError, AttributeError):
            return None
        for rule, matcher in zip(self.rules, self._matchers, strict=True):
            if matcher.matches(path):
                return rule
        return None


def _parse_entry(index: int, entry: object, errors: list[str]) -> TdmRule | None:
    where = f"{FILE_ERROR_PREFIX}: entry {index}"
    if not isinstance(entry, dict):
        errors.append(f"{where}: {_json_type(entry)}, not an object: skipped")
        return None
    location = entry.get(_LOCATION)
    if not isinstance(location, str):
        what = "missing" if location is None else f"a {_json_type(location)}, not a string"
        errors.append(f'{where}: "location" {what}: skipped')
        return None
    if not location.startswith(("/", "*")):
        # Locations are matched against a path that starts with "/": this one never could.
        errors.append(
            f'{where}: "location" {_short(location)!r} does not start with / or *: skipped'
        )
        return None
    reservation = _reservation_number(entry.get(_RESERVATION, _MISSING))
    if reservation is None:
        raw = entry.get(_RESERVATION, _MISSING)
        what = "missing" if raw is _MISSING else f"{_short(json.dumps(raw))} is not 0 or 1"
        errors.append(f'{where}: "tdm-reservation" {what}: skipped')
        return None
    policy: str | None = None
    if reservation == 1 and _POLICY in entry:
        raw_policy = entry[_POLICY]
        if isinstance(raw_policy, str) and raw_policy.strip():
            policy = raw_policy.strip()
        else:
            # The reservation itself is well-formed, so it stands; only the policy is dropped.
            errors.append(
                f'{where}: "tdm-policy" {_short(json.dumps(raw_policy))} is not a URL:'
                " reservation kept without a policy"
            )
    return TdmRule(index, location, reservation, policy)


def _reservation_number(value: object) -> int | None:
    # JSON has one number type: 1 and 1.0 are the same value; true is not a number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if value in (0, 1) else None


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def header_value(
    reservation: str | None, policy: str | None
) -> tuple[TdmValue | None, tuple[str, ...]]:
    """The value of the ``tdm-reservation`` / ``tdm-policy`` response headers."""
    return _channel_value("header", reservation, policy)


def meta_value(metas: Iterable[tuple[str, str]]) -> tuple[TdmValue | None, tuple[str, ...]]:
    """The value of ``<meta name="tdm-reservation">`` / ``<meta name="tdm-policy">``.

    ``metas`` are the (name, content) pairs of the page's meta elements; names are compared
    case-insensitively. When a page repeats the element with different valid values, the
    reservation wins (the most restrictive reading) and the conflict is reported.
    """
    reservations: list[str] = []
    policies: list[str] = []
    try:
        for name, content in metas:
            key = str(name).strip().lower()
            if key == _RESERVATION:
                reservations.append(str(content))
            elif key == _POLICY:
                policies.append(str(content))
    except (TypeError, ValueError):
        return None, ("tdm-reservation meta: unreadable meta list",)
    if not reservations:
        if policies:
            return None, ("tdm-policy meta without tdm-reservation: ignored",)
        return None, ()
    policy = next((p.strip() for p in policies if p.strip()), None)
    errors: list[str] = []
    values: list[TdmValue] = []
    for raw in reservations:
        value, found = _channel_value("meta", raw, policy)
        errors.extend(found)
        if value is not None:
            values.append(value)
    if not values:
        return None, tuple(errors)
    if len({v.reservation for v in values}) > 1:
        errors.append("tdm-reservation meta: conflicting values 0 and 1: 1 taken")
        return next(v for v in values if v.reservation == 1), tuple(errors)
    return values[0], tuple(errors)


def _channel_value(
    channel: str, reservation: str | None, policy: str | None
) -> tuple[TdmValue | None, tuple[str, ...]]:
    if reservation is None:
        if policy is not None and str(policy).strip():
            return None, (f"tdm-policy {channel} without tdm-reservation: ignored",)
        return None, ()
    text = str(reservation).strip()
    if text == "1":
        clean = str(policy).strip() if policy is not None else ""
        return TdmValue(1, clean or None, channel), ()
    if text == "0":
        return TdmValue(0, None, channel), ()
    # SIGNALS.md vector 6: any other value is a protocol error and the channel is unset.
    return None, (f"tdm-reservation {channel}: {_short(text)!r} is not 0 or 1: unset",)


def tdm_evidence(
    file_rule: TdmRule | None,
    header: TdmValue | None,
    meta: TdmValue | None,
    *,
    file_source: str,
    page_source: str,
    document_sha256: str | None = None,
    errors: Iterable[str] = (),
) -> tuple[Evidence, ...]:
    """Evidence for one URL from its matching file rule and its header and meta values.

    The last set channel decides (file < header < meta); each earlier set channel it overrode
    is kept as INFO, and so is each error (errors starting with FILE_ERROR_PREFIX name the file
    as their source, the others the page).
    """
    channels: list[tuple[TdmValue, str]] = []
    if file_rule is not None:
        text = (
            f"tdmrep.json rule {file_rule.index} (location {file_rule.location!r}): "
            f"{_describe(file_rule.reservation, file_rule.policy)}"
        )
        channels.append((TdmValue(file_rule.reservation, file_rule.policy, "file"), text))
    for value in (header, meta):
        if value is not None and value.reservation in (0, 1):
            channels.append(
                (value, f"{value.channel}: {_describe(value.reservation, value.policy)}")
            )
    evidence: list[Evidence] = []
    if channels:
        winner, winner_text = channels[-1]
        for value, text in channels[:-1]:
            evidence.append(
                _evidence(
                    value,
                    f"{text}; overridden by {winner_text}",
                    Effect.INFO,
                    None,
                    file_source,
                    page_source,
                    document_sha256,
                )
            )
        if winner.reservation == 1:
            evidence.append(
                _evidence(
                    winner,
                    winner_text,
                    Effect.DENY,
                    reason(RESERVED),
                    file_source,
                    page_source,
                    document_sha256,
                    LicenseStatus.LICENSABLE if winner.policy else None,
                )
            )
        else:
            evidence.append(
                _evidence(
                    winner,
                    winner_text,
                    Effect.ALLOW,
                    None,
                    file_source,
                    page_source,
                    document_sha256,
                )
            )
    try:
        messages = [str(e) for e in errors]
    except TypeError:
        messages = ["unreadable error list"]
    for message in messages:
        from_file = message.startswith(FILE_ERROR_PREFIX)
        evidence.append(
            Evidence(
                signal=SIGNAL,
                source=file_source if from_file else page_source,
                value=f"protocol error: {message}",
                document_sha256=document_sha256 if from_file else None,
            )
        )
    return tuple(evidence)


def _describe(reservation: int | None, policy: str | None) -> str:
    text = f"tdm-reservation={reservation}"
    return f"{text}, tdm-policy={policy}" if policy else text


def _evidence(
    value: TdmValue,
    text: str,
    effect: Effect,
    code: str | None,
    file_source: str,
    page_source: str,
    document_sha256: str | None,
    license_status: LicenseStatus | None = None,
) -> Evidence:
    from_file = value.channel == "file"
    return Evidence(
        signal=SIGNAL,
        source=file_source if from_file else page_source,
        value=text,
        effect=effect,
        reason=code,
        document_sha256=document_sha256 if from_file else None,
        purposes=TDM_PURPOSES,
        license_status=license_status,
    )
