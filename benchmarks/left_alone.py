#!/usr/bin/env python3
"""Does the filter leave clean descriptions alone? Unseen postings of another collection.

    .venv/bin/python benchmarks/left_alone.py [--postings 600] [--seed 7] [--examples 4]

The postings of ``../shared/bench/nhs-distinct.jsonl.gz`` (NHS Jobs, 2020: a header built
from the record's fields, the employer's description one line per HTML block, the vacancy
URL; its README) are clean descriptions from a site and a collection the filter was never
built from, so nearly every word of them belongs in a cleaned posting: the share the
default cleaner drops is an upper bound of its lost recall on such text (a real part of it
is boilerplate the guideline drops too: EEO and background-check statements, the URL line).
A random sample of ``--postings`` (fixed ``--seed``) is cleaned; the dropped words are
counted by the reason that dropped them, with ``--examples`` dropped lines of more than
three words each, so a reason that eats job text shows what it ate.

Last line: ``RESULT left_alone_kept_words <share of the words kept>``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if (p / "bench").is_dir()),
              ROOT.parent / "shared")

from jdreview.engines.local import Cleaner  # noqa: E402
from jdreview.io.inputs import load_posting_bytes  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postings", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--examples", type=int, default=4)
    ap.add_argument("--data", default=str(SHARED / "bench" / "nhs-distinct.jsonl.gz"))
    a = ap.parse_args()
    if not Path(a.data).is_file():
        print(f"skipped: no {a.data}", file=sys.stderr)
        return 0
    with gzip.open(a.data, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    rows = random.Random(a.seed).sample(rows, min(a.postings, len(rows)))
    cleaner = Cleaner.create()
    total = kept = 0
    lines: Counter[str] = Counter()
    words: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        res = cleaner.clean(load_posting_bytes(r["text"].encode("utf-8"), f"{r['id']}.txt"))
        for lr in res.lines:
            n = len(lr.text.split())
            total += n
            text = lr.kept_text()
            kept += len(text.split())
            d = lr.decision
            if d is None or text or not n:
                continue
            # the reason without its scores, so that one stage's drops count together
            rule = " ".join(w for w in d.rule.split() if not w.replace(".", "", 1).isdigit())
            reason = f"{d.source}:{rule}" if rule else d.source
            lines[reason] += 1
            words[reason] += n
            if n > 3 and len(examples[reason]) < a.examples:
                examples[reason].append(f"{r['id']}:{lr.index}  {lr.text[:110]}")
    print(f"{len(rows)} unseen NHS Jobs postings, {total} words, {kept} kept ({kept / total:.2%})")
    print(f"{'words':>7} {'lines':>6}  reason of the dropped")
    for reason, n in words.most_common():
        print(f"{n:7d} {lines[reason]:6d}  {reason}")
        for e in examples[reason]:
            print(f"{'':16}{e}")
    print(f"RESULT left_alone_kept_words {kept / total:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
