"""The auditor's report (`report.Report`) as one self-contained HTML page.

Nothing is fetched to view it: the CSS is inline, the charts are SVG drawn here, there is no
script, font or image, and a Content-Security-Policy says so to the browser too. Every value
from the catalog (hosts, reason codes, licences, signals, job fields) may be written by an
attacker, so every value goes through `_e` before it reaches the page. Each chart is followed
by the table of the numbers it draws.

Bar lengths are proportional to the amounts (one scale a chart, starting at zero); an amount
of zero (or less) draws no bar. Each bar is a ``rect.seg`` with its series and amount as data
attributes, in the order of the table below it.
"""

from __future__ import annotations

import html
import math
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from storage.audit.queries import unrecorded_weakenings
from storage.audit.report import Breakdown, Report
from storage.times import utc_text

__all__ = ["CSP", "render_html", "write_report"]

CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# Okabe-Ito colours (distinguishable with colour-vision deficiencies); outcomes and effects
# keep one colour each across charts.
_COLOURS: Final = {
    "collected": "#009E73",
    "allow": "#009E73",
    "skipped": "#D55E00",
    "deny": "#D55E00",
    "info": "#7F7F7F",
}
_PALETTE: Final = ("#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#000000")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_WIDTH: Final = 760
_LABEL_WIDTH: Final = 240  # horizontal bars: label column
_VALUE_WIDTH: Final = 90  # horizontal bars: room for the total after the longest bar
_ROW: Final = 24
_BAR: Final = 16
_LEGEND: Final = 26
_LABEL_CHARS: Final = 36

_STYLE: Final = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a;
       margin: 2rem auto; max-width: 62rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.note { background: #fff6e0; border-left: 4px solid #E69F00; padding: .5rem .75rem; }
table { border-collapse: collapse; margin: .75rem 0; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
th { white-space: nowrap; }
th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left;
         overflow-wrap: break-word; }
.scroll { overflow-x: auto; }
td.n, th.n { text-align: right; }
tr.other td { font-style: italic; }
figure { margin: 1rem 0 0; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #1a1a1a; }
svg .axis { stroke: #999; stroke-width: 1; }
svg .grid { stroke: #e3e3e3; stroke-width: 1; }
figcaption, .empty { color: #555; }
"""


def _e(value: object) -> str:
    """Text safe in element content and in quoted attribute values."""
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True)


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _when(value: datetime | None, missing: str = "—") -> str:
    return utc_text(value) or missing


def _colour(series: str, index: int) -> str:
    return _COLOURS.get(series, _PALETTE[index % len(_PALETTE)])


# --- charts -----------------------------------------------------------------------------


def _rows(breakdown: Breakdown, missing: str) -> list[tuple[str, tuple[int, ...], bool]]:
    """(label, amounts, is the "other" row) for the chart and its table."""
    rows = [(missing if g.label is None else g.label, g.amounts, False) for g in breakdown.groups]
    if breakdown.other_groups:
        rows.append((f"other ({breakdown.other_groups})", breakdown.other, True))
    return rows


def _svg_open(chart: str, title: str, description: str, height: float) -> str:
    return (
        f'<svg class="chart" data-chart="{_e(chart)}" role="img" aria-label="{_e(title)}" '
        f'aria-describedby="{_e(chart)}-desc" width="{_WIDTH}" height="{_n(height)}" '
        f'viewBox="0 0 {_WIDTH} {_n(height)}">'
        f"<title>{_e(title)}</title>"
        f'<desc id="{_e(chart)}-desc">{_e(description)}</desc>'
    )


def _legend(series: Sequence[str], x: float) -> str:
    if len(series) < 2:
        return ""
    parts = []
    for index, name in enumerate(series):
        parts.append(
            f'<rect x="{_n(x)}" y="6" width="12" height="12" fill="{_colour(name, index)}"/>'
            f'<text x="{_n(x + 16)}" y="16">{_e(name)}</text>'
        )
        x += 30 + 7 * len(name)
    return f'<g class="legend">{"".join(parts)}</g>'


def _segment(
    x: float, y: float, w: float, h: float, series: str, index: int, label: str, amount: int
) -> str:
    return (
        f'<rect class="seg" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
        f'fill="{_colour(series, index)}" data-series="{_e(series)}" data-value="{amount}">'
        f"<title>{_e(label)}: {_e(series)} {amount:,}</title></rect>"
    )


def _hbars(chart: str, title: str, description: str, breakdown: Breakdown, missing: str) -> str:
    """One horizontal bar a group (stacked by series), longest first."""
    rows = _rows(breakdown, missing)
    longest = max((sum(amounts) for _, amounts, _ in rows), default=0)
    if not longest:
        return f'<p class="empty">{_e(title)}: nothing in the selection.</p>'
    top = _LEGEND if len(breakdown.series) > 1 else 6
    height = top + len(rows) * _ROW + 6
    scale = (_WIDTH - _LABEL_WIDTH - _VALUE_WIDTH) / longest
    parts = [_svg_open(chart, title, description, height), _legend(breakdown.series, _LABEL_WIDTH)]
    for row, (label, amounts, other) in enumerate(rows):
        y = top + row * _ROW
        style = ' font-style="italic"' if other else ""
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end"{style}>'
            f"{_e(_short(label))}<title>{_e(label)}</title></text>"
        )
        x = float(_LABEL_WIDTH)
        for index, (series, amount) in enumerate(zip(breakdown.series, amounts, strict=True)):
            if amount > 0:  # a bogus negative size draws nothing
                width = amount * scale
                parts.append(_segment(x, y + 1, width, _BAR, series, index, label, amount))
                x += width
        parts.append(f'<text x="{_n(x + 6)}" y="{y + 13}">{sum(amounts):,}</text>')
    parts.append(
        f'<line class="axis" x1="{_LABEL_WIDTH}" y1="{top - 2}" x2="{_LABEL_WIDTH}" '
        f'y2="{_n(height - 4)}"/></svg>'
    )
    return "".join(parts)


def _step(largest: int) -> int:
    """A round gridline step (1, 2 or 5 times a power of ten) giving about four lines."""
    rough = max(largest / 4, 1.0)
    power: int = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _columns(chart: str, title: str, description: str, breakdown: Breakdown) -> str:
    """One column a time bucket (stacked by series), in time order."""
    groups = breakdown.groups
    highest = max((g.total for g in groups), default=0)
    if not highest:
        return f'<p class="empty">{_e(title)}: nothing in the selection.</p>'
    left, right, top, bottom, height = 64, 12, _LEGEND + 8, 40, 300
    plot_w, plot_h = _WIDTH - left - right, height - top - bottom
    base = top + plot_h
    band = plot_w / len(groups)
    scale = plot_h / highest
    parts = [_svg_open(chart, title, description, height), _legend(breakdown.series, left)]
    step = _step(highest)
    for tick in range(0, highest + 1, step):
        y = base - tick * scale
        parts.append(
            f'<line class="grid" x1="{left}" y1="{_n(y)}" x2="{_WIDTH - right}" y2="{_n(y)}"/>'
            f'<text x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">{tick:,}</text>'
        )
    every = math.ceil(len(groups) / 5)
    bar = min(band * 0.8, 48.0)  # a few buckets still look like columns
    for i, group in enumerate(groups):
        x = left + i * band
        y = float(base)
        for index, (series, amount) in enumerate(zip(breakdown.series, group.amounts, strict=True)):
            if amount > 0:  # a bogus negative size draws nothing
                h = amount * scale
                y -= h
                label = group.label or ""
                parts.append(
                    _segment(x + (band - bar) / 2, y, bar, h, series, index, label, amount)
                )
        if i % every == 0:
            parts.append(
                f'<text x="{_n(x + band / 2)}" y="{base + 16}" text-anchor="middle">'
                f"{_e(group.label)}</text>"
            )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{base}" x2="{_WIDTH - right}" y2="{base}"/></svg>'
    )
    return "".join(parts)


# --- tables -----------------------------------------------------------------------------


def _table(caption: str, head: str, breakdown: Breakdown, missing: str) -> str:
    series = breakdown.series
    total = len(series) > 1
    cells = [f"<th>{_e(head)}</th>", *(f'<th class="n">{_e(s)}</th>' for s in series)]
    if total:
        cells.append('<th class="n">total</th>')
    body = []
    for label, amounts, other in _rows(breakdown, missing):
        numbers = [*amounts, sum(amounts)] if total else list(amounts)
        row = '<tr class="other">' if other else "<tr>"
        body.append(
            f"{row}<td>{_e(label)}</td>"
            + "".join(f'<td class="n">{n}</td>' for n in numbers)
            + "</tr>"
        )
    return (
        f'<div class="scroll"><table><caption>{_e(caption)}</caption>'
        f"<thead><tr>{''.join(cells)}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _plain_table(caption: str, head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (
        f'<div class="scroll"><table><caption>{_e(caption)}</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _section(anchor: str, heading: str, intro: str, chart: str, table: str) -> str:
    return (
        f'<section id="{anchor}"><h2>{_e(heading)}</h2><p>{_e(intro)}</p>'
        f"<figure>{chart}</figure>{table}</section>"
    )


# --- the page ---------------------------------------------------------------------------


def _header(r: Report) -> str:
    scope = [
        f"from {_when(r.since)}" if r.since else "from the first record",
        f"until {_when(r.until)}" if r.until else "to the last record",
    ]
    facts = [
        ("Catalog", r.catalog),
        ("Scope", f"{len(r.jobs)} job(s), records {' '.join(scope)}"),
        ("Records recorded", f"{_when(r.first_recorded)} to {_when(r.last_recorded)}"),
        ("Generated", _when(r.generated_at)),
        (
            "Records counted",
            f"{r.records}: {r.collected} collected ({r.bytes_collected} bytes), {r.skipped} skipped",
        ),
    ]
    if r.taken_down:
        note = (
            f"{r.taken_down} record(s) ({r.taken_down_bytes} bytes) in the selection were taken "
            "down since at a rights holder's request: they are left out of every count below."
        )
    else:
        note = "No record in the selection has been taken down."
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    jobs = _plain_table(
        "Jobs covered",
        ("job", "purpose", "agent", "started", "finished", "status", "records counted"),
        (
            (
                j.id,
                j.purpose,
                j.agent,
                _when(j.started_at),
                _when(j.finished_at),
                j.status,
                j.records,
            )
            for j in r.jobs
        ),
    )
    return (
        f'<header><h1>consentcrawl audit report</h1><dl class="facts">{items}</dl>'
        f'<p class="note" id="taken-down">{_e(note)}</p>{jobs}</header>'
    )


def _weakenings(r: Report) -> str:
    """Every setting that narrowed a gate, per job: before the charts, so none is missed."""
    rows = [
        (j.id, w.setting, w.value_text, ", ".join(w.narrows), w.why)
        for j in r.jobs
        for w in j.weakenings or ()
    ]
    unrecorded = [j.id for j in r.jobs if j.weakenings is None]
    if rows:
        note = (
            f"{len(rows)} setting(s) in {len({row[0] for row in rows})} job(s) narrowed a "
            "protocol or measure: the records of those jobs were not gated in full."
        )
    else:
        note = "No setting narrowed a protocol or measure in the jobs covered."
    if unrecorded:
        note += " " + unrecorded_weakenings(len(unrecorded))
    table = (
        _plain_table(
            "Settings that narrowed a gate", ("job", "setting", "value", "narrows", "why"), rows
        )
        if rows
        else ""
    )
    return (
        f'<section id="weakenings"><h2>Weakenings</h2><p class="note">{_e(note)}</p>'
        f"{table}</section>"
    )


def render_html(report: Report) -> str:
    """The whole page, as text."""
    r = report
    hosts_total = len(r.hosts.groups) + r.hosts.other_groups
    sections = [
        _section(
            "timeline",
            "Outcomes over time",
            f"Records collected and skipped per {r.bucket} (UTC).",
            _columns(
                "timeline",
                f"Records collected and skipped per {r.bucket}",
                f"Stacked columns, one per {r.bucket} from {_when(r.first_recorded)} to "
                f"{_when(r.last_recorded)}: collected below, skipped above.",
                r.timeline,
            ),
            _table(f"Records per {r.bucket} (UTC)", f"{r.bucket} (UTC)", r.timeline, ""),
        ),
        _section(
            "reasons",
            "Skips by reason",
            "Skipped records per reason code, most first; a record skipped for several "
            "reasons counts under each. The rest are added up as other.",
            _hbars(
                "reasons",
                "Skipped records by reason code",
                "Horizontal bars, one per reason code, length proportional to the records.",
                r.reasons,
                "(none)",
            ),
            _table("Skipped records by reason code", "reason code", r.reasons, "(none)"),
        ),
        _section(
            "hosts",
            "Top hosts by bytes collected",
            f"Body bytes collected per URL host, the top {len(r.hosts.groups)} of "
            f"{hosts_total} hosts; the rest are added up as other.",
            _hbars(
                "hosts",
                "Bytes collected by host",
                "Horizontal bars, one per host, length proportional to the bytes collected.",
                r.hosts,
                "(no host)",
            ),
            _table("Bytes collected by host", "host", r.hosts, "(no host)"),
        ),
        _section(
            "licence-status",
            "Licence mix: licence status",
            "Records per licence status, collected and skipped.",
            _hbars(
                "licence-status",
                "Records by licence status",
                "Stacked horizontal bars, one per licence status: collected, then skipped.",
                r.license_statuses,
                "(none)",
            ),
            _table("Records by licence status", "licence status", r.license_statuses, "(none)"),
        ),
        _section(
            "licences",
            "Licence mix: licences",
            "Records per licence (SPDX identifier), collected and skipped; (none) when no "
            "licence was found.",
            _hbars(
                "licences",
                "Records by licence",
                "Stacked horizontal bars, one per SPDX licence identifier: collected, then "
                "skipped.",
                r.licenses,
                "(none)",
            ),
            _table("Records by licence (SPDX)", "licence", r.licenses, "(none)"),
        ),
        _section(
            "signals",
            "Signals seen",
            "Evidence rows behind the decisions, per signal and effect (deny, allow, info).",
            _hbars(
                "signals",
                "Evidence rows by signal and effect",
                "Stacked horizontal bars, one per signal: deny, allow, then info.",
                r.signals,
                "(none)",
            ),
            _table("Evidence rows by signal and effect", "signal", r.signals, "(none)")
            + _table(
                "Evidence rows by signal and the purposes they apply to (all: every purpose)",
                "signal",
                r.signal_purposes,
                "(none)",
            ),
        ),
    ]
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>consentcrawl audit report — {_e(_when(r.generated_at))}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"{_header(r)}<main>{_weakenings(r)}{''.join(sections)}</main></body></html>\n"
    )


def write_report(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all: a temporary file beside it, then a rename.

    Raises OSError (the temporary file removed) when the folder is missing or unwritable or
    `path` is a folder.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temporary.open("x", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
