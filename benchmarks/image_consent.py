"""How long reading an image's consent metadata and deciding it takes, per image.

Images (built in memory from the real files of tests/data/images):

* "200 KB" without C2PA: a Pillow JPEG of noise with a stock agency's real XMP packet (the
  Shutterstock file's 4 KB: rights and licensor properties, no ``plus:DataMining``).
* "200 KB IPTC" / "5 MB" without C2PA: the same with the real IPTC 2024.1 reference packet
  (31 KB, every IPTC property, ``plus:DataMining`` DMI-PROHIBITED-GENAIMLTRAINING): the
  packet is parsed, the worst case.
* "140 KB C2PA": the real CAWG test image (a valid manifest with training-mining entries).
* "250 KB C2PA": the real Adobe image (two training-mining assertions, XMP, invalid manifest).
* "5 MB C2PA": the CAWG image padded with COM segments to 5 MB after its manifest (the data
  hash then fails, so c2pa-python hashes all 5 MB and reports Invalid, as for a tampered file).

Each image is timed through ``read_image_metadata`` + ``image_evidence`` (median and 95th
percentile per call); for images with a manifest, c2pa-python's ``Reader(mime, stream).json()``
alone is timed the same way, interleaved, as the baseline. Every call's answer is checked
against the first, so a broken reader cannot look fast.

Run from the repository root::

    .venv/bin/python benchmarks/image_consent.py [--runs 500]

Targets (issue 9): at most 1 ms median for the 200 KB JPEG without C2PA, and within 1.1x of
the Reader alone for an image with a manifest.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import struct
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import c2pa
from PIL import Image

from crawler.consent.image_meta import image_evidence, read_image_metadata
from crawler.consent.model import Evidence

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "images"
XMP = DATA / "iptc-photometadata-ref-2024.1.xmp"
CAWG = DATA / "c2pa-cawg-training-mining-notallowed.jpg"
ADOBE = DATA / "c2pa-adobe-training-mining-allowed-invalid.jpg"
TARGET_MS = 1.0
TARGET_RATIO = 1.1


def noise_jpeg(target: int, xmp: bytes) -> bytes:
    """A JPEG of random pixels of about ``target`` bytes (noise does not compress)."""
    rng = random.Random(9)
    side = int((target / 1.2) ** 0.5)
    while True:
        pixels = bytes(rng.getrandbits(8) for _ in range(side * side * 3))
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), pixels).save(out, "JPEG", quality=90, xmp=xmp)
        if len(out.getvalue()) >= target:
            return out.getvalue()
        side = int(side * (target / len(out.getvalue())) ** 0.5) + 8


def padded(body: bytes, target: int) -> bytes:
    """The JPEG with COM segments inserted after its header segments up to ``target`` bytes."""
    pos = 2
    while body[pos + 1] != 0xDA:  # walk marker segments to the start of scan
        pos += 2 + struct.unpack(">H", body[pos + 2 : pos + 4])[0]
    segment = b"\xff\xfe" + struct.pack(">H", 65535) + os.urandom(65533)
    count = (target - len(body)) // len(segment) + 1
    return body[:pos] + segment * count + body[pos:]


def ours(body: bytes) -> tuple[Evidence, ...]:
    return image_evidence(read_image_metadata(body, content_type="image/jpeg"))


def reader_alone(body: bytes) -> object:
    reader = c2pa.Reader("image/jpeg", io.BytesIO(body))
    try:
        # The report itself holds per-read details; its manifest and state do not change.
        report = json.loads(reader.json())
    finally:
        reader.close()
    return report["active_manifest"], report["validation_state"]


def timed(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Milliseconds per call for each function, interleaved so drift hits all alike."""
    first = {name: call() for name, call in calls.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            start = time.perf_counter()
            answer = call()
            times[name].append((time.perf_counter() - start) * 1000)
            if answer != first[name]:
                raise SystemExit(f"{name} gave two answers for one image")
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()

    xmp = XMP.read_bytes()
    with Image.open(DATA / "shutterstock-2480370209-xmp-no-datamining.jpg") as stock:
        stock_xmp: bytes = stock.info["xmp"]
    images = {
        "200 KB": noise_jpeg(200_000, stock_xmp),
        "200 KB IPTC": noise_jpeg(200_000, xmp),
        "5 MB": noise_jpeg(5_000_000, xmp),
        "140 KB C2PA": CAWG.read_bytes(),
        "250 KB C2PA": ADOBE.read_bytes(),
        "5 MB C2PA": padded(CAWG.read_bytes(), 5_000_000),
    }
    print(f"{'image':<12} {'bytes':>10} {'median ms':>10} {'p95 ms':>8}  {'Reader ms':>9}  ratio")
    medians: dict[str, float] = {}
    ratios: dict[str, float] = {}
    for name, body in images.items():
        runs = args.runs if len(body) < 1_000_000 else max(args.runs // 5, 20)
        calls: dict[str, Callable[[], object]] = {"ours": partial(ours, body)}
        if "C2PA" in name:
            calls["reader"] = partial(reader_alone, body)
        times = timed(calls, runs)
        medians[name] = statistics.median(times["ours"])
        line = f"{name:<12} {len(body):>10,} {medians[name]:>10.3f} {p95(times['ours']):>8.3f}"
        if "reader" in times:
            base = statistics.median(times["reader"])
            ratios[name] = medians[name] / base
            line += f"  {base:>9.3f}  {ratios[name]:.2f}x"
        print(line)

    small = medians["200 KB"]
    print(f"\n{'PASS' if small <= TARGET_MS else 'FAIL'}: 200 KB JPEG without C2PA {small:.3f} ms")
    worst = max(ratios, key=lambda n: ratios[n])
    verdict = "PASS" if ratios[worst] <= TARGET_RATIO else "FAIL"
    print(f"{verdict}: with a manifest, at worst {ratios[worst]:.2f}x the Reader alone ({worst})")


if __name__ == "__main__":
    main()
