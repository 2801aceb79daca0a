"""C2PA / CAWG training-and-data-mining assertions of an image's active manifest (SIGNALS.md 9).

Pure: image bytes in, a frozen :class:`C2paRead` out; nothing here raises on bad input and
nothing touches the network (remote manifests and OCSP are not fetched). A cheap byte scan for
the JUMBF description box labelled ``c2pa`` comes first — it is the same in every container
(JPEG APP11, PNG ``caBX``, WebP ``C2PA``, ...) — and only an image that has one is handed to
c2pa-python's ``Reader``, which costs about 0.6 ms even on an image without a manifest.

Both labels are read: ``c2pa.training-mining`` (C2PA 1.x) and ``cawg.training-mining`` (CAWG
1.1), each an ``entries`` map of ``{use, constraint_info | constraints_info}``. What an entry
means for each purpose is decided in ``image_meta``.
"""

from __future__ import annotations

import functools
import io
import json
import re
from dataclasses import dataclass
from typing import Final

import c2pa

from .text import clip

__all__ = [
    "TRAINING_MINING",
    "C2paFinding",
    "C2paRead",
    "has_c2pa_box",
    "parse_report",
    "read_c2pa",
]

#: Assertion labels that carry training-and-data-mining entries.
TRAINING_MINING: Final = ("c2pa.training-mining", "cawg.training-mining")
#: A manifest with thousands of entries must not produce thousands of evidence rows.
MAX_FINDINGS: Final = 20

# JUMBF description box: "jumd", a 16-byte type UUID, a toggles byte, then the label.
_JUMD: Final = re.compile(rb"jumd[\x00-\xff]{17}c2pa\x00")
# Assertion labels may carry a version (".v2") or an instance suffix ("__1").
_LABEL: Final = re.compile(r"^(?P<base>[a-z0-9.-]+?)(?:\.v\d+)?(?:__\d+)?$")


@dataclass(frozen=True, slots=True)
class C2paFinding:
    """One entry of a training-mining assertion of the active manifest."""

    manifest: str
    assertion: str
    """``c2pa.training-mining`` or ``cawg.training-mining`` (as labelled in the manifest)."""
    entry: str
    """The entry key, e.g. ``cawg.ai_generative_training`` or a custom label."""
    use: str
    """``allowed``, ``notAllowed``, ``constrained``, or what else the manifest wrote."""
    constraint: str | None
    """``constraint_info`` / ``constraints_info`` as text, if any."""


@dataclass(frozen=True, slots=True)
class C2paRead:
    """What reading the image's C2PA manifest store gave."""

    box: bool
    """A JUMBF box labelled c2pa was found (the Reader ran only then)."""
    manifest: str | None = None
    """Label of the active manifest."""
    validation_state: str | None = None
    """c2pa-python's ``validation_state``: ``Valid``, ``Invalid`` or ``Trusted``."""
    status_codes: tuple[str, ...] = ()
    """The codes of ``validation_status`` (failures, e.g. ``assertion.dataHash.mismatch``)."""
    findings: tuple[C2paFinding, ...] = ()
    error: str | None = None
    """Set when a box was found but no manifest could be read from it."""

    @property
    def validated(self) -> bool:
        return self.validation_state in ("Valid", "Trusted")


def has_c2pa_box(body: bytes) -> bool:
    """Whether the bytes hold a JUMBF description box labelled ``c2pa`` (any container)."""
    return _JUMD.search(body) is not None


def read_c2pa(body: bytes, mime: str | None, *, box: bool | None = None) -> C2paRead:
    """The training-mining entries of the active manifest. Never raises.

    ``box`` is whether the caller already knows the image holds a c2pa box (a JPEG's APP11
    segments are in Pillow's ``applist``); None scans the whole body.
    """
    if not (has_c2pa_box(body) if box is None else box):
        return C2paRead(box=False)
    try:
        reader = c2pa.Reader(mime, io.BytesIO(body), context=_context())
        try:
            report: object = json.loads(reader.json())
        finally:
            reader.close()
    except (c2pa.C2paError, ValueError, TypeError, OSError) as exc:
        return C2paRead(box=True, error=clip(f"{type(exc).__name__}: {exc}", 160))
    return parse_report(report)


@functools.cache
def _context() -> c2pa.Context:
    settings = c2pa.Settings.from_dict(
        {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    )
    return c2pa.Context(settings)


def parse_report(report: object) -> C2paRead:
    """The training-mining entries of the active manifest in c2pa-python's JSON report."""
    if not isinstance(report, dict):
        return C2paRead(box=True, error="manifest store report is not a JSON object")
    label = report.get("active_manifest")
    manifests = report.get("manifests")
    manifest = manifests.get(label) if isinstance(manifests, dict) else None
    state = report.get("validation_state")
    statuses = report.get("validation_status")
    codes = tuple(
        str(s["code"])
        for s in (statuses if isinstance(statuses, list) else ())
        if isinstance(s, dict) and "code" in s
    )
    if not isinstance(label, str) or not isinstance(manifest, dict):
        return C2paRead(
            box=True,
            validation_state=str(state) if state else None,
            status_codes=codes,
            error="no active manifest",
        )
    findings: list[C2paFinding] = []
    assertions = manifest.get("assertions")
    for assertion in assertions if isinstance(assertions, list) else ():
        if not isinstance(assertion, dict):
            continue
        name = str(assertion.get("label", ""))
        matched = _LABEL.match(name)
        if matched is None or matched["base"] not in TRAINING_MINING:
            continue
        data = assertion.get("data")
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            findings.append(C2paFinding(label, name, "", "unreadable", None))
            continue
        for key, entry in entries.items():
            findings.append(C2paFinding(label, name, clip(str(key), 80), *_entry(entry)))
    return C2paRead(
        box=True,
        manifest=label,
        validation_state=str(state) if state else None,
        status_codes=codes,
        findings=tuple(findings[:MAX_FINDINGS]),
    )


def _entry(entry: object) -> tuple[str, str | None]:
    if not isinstance(entry, dict):
        return "unreadable", None
    use = clip(str(entry.get("use", "")), 40)
    # The CAWG schema says constraint_info, its prose constraints_info: accept both.
    info = entry.get("constraint_info", entry.get("constraints_info"))
    if info is None:
        return use, None
    text = info if isinstance(info, str) else json.dumps(info, sort_keys=True)
    return use, clip(text)
