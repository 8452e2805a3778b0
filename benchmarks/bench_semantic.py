#!/usr/bin/env python3
"""What the semantic features cost on distinct postings: two classifier files, in process.

    .venv/bin/python scripts/train_default.py ...   # or any two trained classifier files
    .venv/bin/python benchmarks/bench_semantic.py BASE.json SEMANTIC.json [--nhs 1500] [--repeat 3]

Cleans ``--nhs`` distinct NHS Jobs postings (``../shared/bench/nhs-distinct.jsonl.gz``)
with the default rules and each classifier in turn, interleaved, each run with fresh
caches (the embedding cache too) after a warm-up on 50 other postings (imports and the
model load are start-up, not per posting); CPU ms per posting, the best of ``--repeat``.
Last line: ``RESULT semantic_ms_per_posting_added <ms>``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cold import SHARED  # noqa: E402
from bench_cold import clear_caches as clear_filter_caches  # noqa: E402

from jdreview.filter import semantic  # noqa: E402
from jdreview.filter.classifier import load_classifier  # noqa: E402
from jdreview.filter.pipeline import auto_filter  # noqa: E402
from jdreview.filter.rules import default_rules  # noqa: E402
from jdreview.io.posting import Posting  # noqa: E402


def clear_caches() -> None:
    """The package's per-line caches and the embedding cache."""
    clear_filter_caches()
    semantic._CACHE.clear()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base")
    ap.add_argument("semantic")
    ap.add_argument("--nhs", type=int, default=1500)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    texts: list[str] = []
    with gzip.open(SHARED / "bench" / "nhs-distinct.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) >= a.nhs + 50:
                break
    warm, texts = texts[a.nhs:], texts[:a.nhs]
    rules = default_rules()
    best = {"base": float("inf"), "semantic": float("inf")}
    for rep in range(a.repeat):
        for name, path in (("base", a.base), ("semantic", a.semantic)):
            clear_caches()
            clf = load_classifier(path)
            for t in warm:
                auto_filter(Posting.from_text(t), rules, clf)
            clear_caches()
            clf = load_classifier(path)
            postings = [Posting.from_text(t) for t in texts]
            t0 = time.process_time()
            for p in postings:
                auto_filter(p, rules, clf).cleaned_text()
            ms = (time.process_time() - t0) * 1000 / len(postings)
            best[name] = min(best[name], ms)
            print(f"run {rep + 1} {name:<9} {ms:6.2f} ms/posting", flush=True)
    print(f"best of {a.repeat}: base {best['base']:.2f}, semantic {best['semantic']:.2f} ms/posting "
          f"on {len(texts)} distinct NHS postings")
    print(f"RESULT semantic_ms_per_posting_added {best['semantic'] - best['base']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
