"""How long a million-entry blocklist takes to load, how much memory it holds, how fast it matches.

The script writes a synthetic list (default 1,000,000 entries: 90% domains, a fifth of them
subdomains; 8% hosts, a quarter of them IPv4; 2% URL prefixes; about 1% internationalised names
written in Unicode and 1% in punycode; labels of 4-20 characters under a mix of real suffixes
such as com, net, to, co.uk and com.br) to a temporary folder in each format (plain text; CSV
with reason, evidence_url and added columns; JSON objects), then for each file starts a fresh
interpreter that only imports ``blocklists`` and times ``load_blocklist`` (read, decode, parse,
normalise, validate) plus ``Matcher.build``, and reports the process's peak resident memory
(``VmHWM``, the whole process: interpreter, imports, file and entries). ``import blocklists``,
which builds the Public Suffix List trie once per process, is timed apart ("import s").

Matching is timed in the plain-text run on 100,000 URLs (``--urls``) made from the loaded
entries: half match (domains at subdomain depths 0-3, hosts with and without ports, URLs under
prefixes, upper-case and trailing-dot spellings), half do not (unlisted names, look-alikes such
as ``notNAME.tld``, ``NAME.tld.evil.test``, other paths and schemes next to a prefix). Every
URL's answer is checked, so a broken matcher cannot look fast. Time per URL is the mean over a
pass (best of ``--repeat``), with the 99th percentile of single calls.

Run from the repository root::

    .venv/bin/python benchmarks/blocklist.py [--entries 1000000] [--urls 100000] \\
        [--formats text,csv,json] [--repeat 3]

Targets (blocklist issue): 1,000,000 entries load and build in at most 10 s and 500 MB resident
for the whole process; at most 10 µs per ``match()``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LOAD_TARGET_S = 10.0
RSS_TARGET_MB = 500.0
MATCH_TARGET_US = 10.0
SUFFIXES = ["com"] * 40 + ["net"] * 10 + ["org"] * 6 + ["to", "ru", "xyz", "io", "cc", "se"] * 3
SUFFIXES += ["co.uk", "com.br", "in", "me", "tv", "ws", "si", "is", "top", "lol", "co.jp", "de"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LETTERS + "0123456789"
ACCENTED = "äöüéèàçñøåß"
WORDS = ["movies", "series", "watch", "stream", "free", "hd", "torrent", "books", "music", "dl"]


def _label(rng: random.Random, low: int = 4, high: int = 20) -> str:
    size = rng.randint(low, high)
    word = rng.choice(WORDS) if rng.random() < 0.5 else ""
    rest = "".join(rng.choice(ALNUM) for _ in range(max(1, size - len(word))))
    label = rng.choice(LETTERS) + word + rest
    if len(label) > 6 and rng.random() < 0.1:
        cut = rng.randint(2, len(label) - 3)
        label = f"{label[:cut]}-{label[cut:]}"
    return label[:63]


def _idn_label(rng: random.Random) -> str:
    chars = list(_label(rng, 4, 12))
    for _ in range(rng.randint(1, 2)):
        chars[rng.randrange(1, len(chars))] = rng.choice(ACCENTED)
    return "".join(chars)


def synthetic(count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` distinct (entry as written, kind) pairs."""
    import idna

    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < count:
        roll = rng.random()
        name = f"{_label(rng)}.{rng.choice(SUFFIXES)}"
        key = name
        if rng.random() < 0.02:
            idn = f"{_idn_label(rng)}.{rng.choice(SUFFIXES)}"
            key = idna.encode(idn, uts46=True).decode("ascii")  # the spelling entries compare
            name = idn if rng.random() < 0.5 else key
        if roll < 0.90:
            kind = "domain"
            entry = f"{_label(rng, 2, 8)}.{name}" if rng.random() < 0.2 else name
        elif roll < 0.98:
            kind = "host"
            if rng.random() < 0.25:
                entry = ".".join(str(rng.randint(1, 254)) for _ in range(4))
            else:
                entry = (
                    f"{rng.choice(['cdn', 'www', 'stream', 'dl', 's'])}{rng.randint(1, 99)}.{name}"
                )
        else:
            kind = "url-prefix"
            path = "/".join(_label(rng, 3, 10) for _ in range(rng.randint(1, 3)))
            entry = f"https://{name}/{path}/"
        key = f"{kind} {entry.replace(name, key)}"
        if key not in seen:
            seen.add(key)
            out.append((entry, kind))
    return out


def write_files(
    entries: list[tuple[str, str]], folder: Path, formats: list[str]
) -> dict[str, Path]:
    files: dict[str, Path] = {}
    if "text" in formats:
        path = folder / "list.txt"
        with path.open("w", encoding="utf-8") as out:
            out.write("# synthetic piracy list\n\n")
            for index, (entry, kind) in enumerate(entries):
                prefix = "host: " if kind == "host" and not entry[-1].isdigit() else ""
                comment = "  # mirror" if index % 50 == 0 else ""
                out.write(f"{prefix}{entry}{comment}\n")
        files["text"] = path
    rng = random.Random(7)
    rows = [
        {
            "entry": entry,
            "kind": kind,
            "reason": rng.choice(["piracy", "counterfeit", "camrip mirror", ""]),
            "evidence_url": f"https://evidence.test/case/{i}" if i % 10 == 0 else "",
            "added": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }
        for i, (entry, kind) in enumerate(entries)
    ]
    if "csv" in formats:
        path = folder / "list.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        files["csv"] = path
    if "json" in formats:
        path = folder / "list.json"
        objects = [{k: v for k, v in row.items() if v} for row in rows]
        path.write_text(json.dumps({"entries": objects}, ensure_ascii=False), encoding="utf-8")
        files["json"] = path
    return files


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _listed(host: str, domains: set[str], hosts: set[str]) -> bool:
    if host in hosts:
        return True
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels)))


def match_urls(entries: Any, count: int, seed: int) -> list[tuple[str, bool]]:
    """(URL, should it match) pairs: half listed, half not."""
    import idna

    from blocklists import EntryKind

    rng = random.Random(seed)
    by_kind: dict[EntryKind, list[str]] = {kind: [] for kind in EntryKind}
    for entry in entries:
        by_kind[entry.kind].append(entry.value)
    domains, hosts = set(by_kind[EntryKind.DOMAIN]), set(by_kind[EntryKind.HOST])
    urls: list[tuple[str, bool]] = []
    for index in range(count):
        hit = index % 2 == 0
        roll = rng.random()
        if roll < 0.85:
            domain = rng.choice(by_kind[EntryKind.DOMAIN])
            if hit:
                subs = ".".join(_label(rng, 2, 8) for _ in range(rng.randint(0, 3)))
                host = f"{subs}.{domain}" if subs else domain
                if "xn--" in host and rng.random() < 0.5:
                    host = idna.decode(host)
                elif rng.random() < 0.1:
                    host = host.upper() + "."
                urls.append((f"https://{host}/{_label(rng)}/{rng.randrange(10**6)}.html", True))
                continue
            first, _, rest = domain.partition(".")
            host = rng.choice(
                [f"not{first}.{rest}", f"{domain}.evil.test", f"{_label(rng)}.{rest}"]
            )
            url = f"https://{host}/page?id={rng.randrange(10**6)}"
        elif roll < 0.95:
            host = rng.choice(by_kind[EntryKind.HOST])
            netloc = f"[{host}]" if ":" in host else host
            if hit:
                port = f":{rng.randint(1024, 65535)}" if rng.random() < 0.3 else ""
                urls.append((f"http://{netloc}{port}/video/{rng.randrange(10**6)}", True))
                continue
            host = f"x{rng.randint(1, 9)}.{host}"
            url = f"http://{host}/video/"
        else:
            prefix = rng.choice(by_kind[EntryKind.URL_PREFIX])
            if hit:
                urls.append((f"{prefix}{_label(rng)}.mp4", True))
                continue
            host = prefix.split("/")[2]
            url = prefix.replace("https://", "http://", 1).rstrip("/") + "x/"
        urls.append((url, _listed(host, domains, hosts)))  # a look-alike may be listed too
    return urls


def _check_expected(matcher: Any, urls: list[tuple[str, bool]]) -> int:
    wrong = 0
    for url, expected in urls:
        if (matcher.match(url) is not None) != expected:
            wrong += 1
            if wrong <= 5:
                print(f"  unexpected answer for {url} (expected {expected})", file=sys.stderr)
    return wrong


def measure(path: Path, urls: int, repeat: int) -> dict[str, Any]:
    """In a fresh interpreter: load + build, peak memory, and (if ``urls``) matching."""
    imported = time.perf_counter()
    import blocklists  # the Public Suffix List trie is built here, once per process

    imported = time.perf_counter() - imported
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    entries = blocklists.load_blocklist(path)
    loaded = time.perf_counter()
    matcher = blocklists.Matcher.build([(path.stem, 1, entries)])
    built = time.perf_counter()
    result: dict[str, Any] = {
        "entries": len(entries),
        "load_s": loaded - started,
        "build_s": built - loaded,
        "total_s": built - started,
        "import_s": imported,
        "baseline_mb": baseline,
        "peak_mb": _peak_rss_mb(),
    }
    if urls:
        sample = match_urls(entries, urls, seed=42)
        result["wrong"] = _check_expected(matcher, sample)
        plain = [url for url, _ in sample]
        match = matcher.match
        passes = []
        for _ in range(repeat):
            begin = time.perf_counter()
            for url in plain:
                match(url)
            passes.append((time.perf_counter() - begin) / len(plain) * 1e6)
        single = []
        clock = time.perf_counter_ns
        for url in plain:
            begin_ns = clock()
            match(url)
            single.append(clock() - begin_ns)
        single.sort()
        result["match_us"] = min(passes)
        result["match_median_us"] = statistics.median(single) / 1000
        result["match_p99_us"] = single[int(len(single) * 0.99)] / 1000
        result["urls"] = len(plain)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--urls", type=int, default=100_000)
    parser.add_argument("--formats", default="text,csv,json")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.urls, args.repeat)))
        return

    formats = [name.strip() for name in args.formats.split(",") if name.strip()]
    started = time.perf_counter()
    entries = synthetic(args.entries, seed=1)
    with tempfile.TemporaryDirectory(prefix="blocklist-bench-") as tmp:
        files = write_files(entries, Path(tmp), formats)
        del entries
        print(
            f"{args.entries:,} synthetic entries written in {time.perf_counter() - started:.1f} s"
        )
        results: dict[str, dict[str, Any]] = {}
        for name, path in files.items():
            size_mb = path.stat().st_size / 2**20
            urls = str(args.urls if name == "text" else 0)
            command = [sys.executable, __file__, "--measure", str(path), "--urls", urls]
            command += ["--repeat", str(args.repeat)]
            child = subprocess.run(command, check=False, capture_output=True, text=True)
            sys.stderr.write(child.stderr[-5000:])
            if child.returncode:
                sys.exit(f"{name}: the measuring process failed (exit status {child.returncode})")
            results[name] = json.loads(child.stdout) | {"size_mb": size_mb}

    print(
        f"{'format':<6} {'file MB':>8} {'entries':>10} {'import s':>9} {'load s':>7} {'build s':>8} "
        f"{'total s':>8} {'peak RSS MB':>12} {'(after import)':>15}"
    )
    failed = False
    for name, r in results.items():
        print(
            f"{name:<6} {r['size_mb']:>8.1f} {r['entries']:>10,} {r['import_s']:>9.2f} "
            f"{r['load_s']:>7.2f} "
            f"{r['build_s']:>8.2f} {r['total_s']:>8.2f} {r['peak_mb']:>12.0f} "
            f"{r['baseline_mb']:>15.0f}"
        )
    scale = args.entries / 1_000_000
    for name, r in results.items():
        ok_time = r["total_s"] <= LOAD_TARGET_S * max(scale, 1e-9)
        ok_rss = r["peak_mb"] <= RSS_TARGET_MB
        failed |= not (ok_time and ok_rss)
        print(
            f"{'PASS' if ok_time else 'FAIL'}: {name} load + build {r['total_s']:.2f} s "
            f"(target ≤ {LOAD_TARGET_S * scale:.1f} s for {args.entries:,})"
        )
        print(
            f"{'PASS' if ok_rss else 'FAIL'}: {name} peak RSS {r['peak_mb']:.0f} MB "
            f"(target ≤ {RSS_TARGET_MB:.0f} MB)"
        )
    for name, r in results.items():
        if "match_us" not in r:
            continue
        ok = r["match_us"] <= MATCH_TARGET_US and r["wrong"] == 0
        failed |= not ok
        print(
            f"{'PASS' if ok else 'FAIL'}: match() {r['match_us']:.2f} µs per URL over "
            f"{r['urls']:,} URLs (median {r['match_median_us']:.2f}, p99 "
            f"{r['match_p99_us']:.2f}; target ≤ {MATCH_TARGET_US:.0f} µs), "
            f"{r['wrong']} wrong answers"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
