#!/usr/bin/env python3
"""The rule passes on distinct lines: RE2 against Hyperscan, in process (issue 9).

    .venv/bin/python benchmarks/bench_rules.py [--postings 2000]

Asks the default rule set, on every distinct non-blank line of the first N distinct
NHS postings (``../shared/bench/nhs-distinct.jsonl.gz``), what the filter asks of a
new line: the line keep and drop rules, the segment drop rules, the section starts and
"could a segment match" (the caches emptied first, so every line is new to the rules,
as on a batch of distinct postings). Each engine runs three times, interleaved, each
time with a rule set built afresh (the Hyperscan database from the cache, compiled
and stored by a warm-up run when missing); the best run counts, CPU time. Prints µs
per line for each engine, the share of lines Hyperscan answered (the rest are not
plain: RE2 answers them), and ``RESULT rules_hyperscan_speedup <re2 / hyperscan>``.
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

from jdreview.filter import linear  # noqa: E402
from jdreview.filter.rules import RuleSet, default_rules  # noqa: E402

NHS = next((p for p in (ROOT.parent / "shared" / "bench" / "nhs-distinct.jsonl.gz",
                        Path("/work/shared/bench/nhs-distinct.jsonl.gz")) if p.is_file()), None)


def lines(postings: int) -> list[str]:
    if NHS is None:
        raise SystemExit("nhs-distinct.jsonl.gz not found beside the project")
    out: list[str] = []
    with gzip.open(NHS, "rt", encoding="utf-8") as f:
        for n, rec in enumerate(f):
            if n >= postings:
                break
            out += [x for x in json.loads(rec)["text"].split("\n") if x.strip()]
    return list(dict.fromkeys(out))


def run(rules: RuleSet, texts: list[str]) -> float:
    t = time.process_time()
    for x in texts:
        rules.match_regex(x, "", "line", "keep")
        rules.match_regex(x, "", "line", "drop")
        rules.match_regex(x, "", "segment", "drop")
        rules.section_hits(x)
        rules.may_match_segment(x, "")
    return time.process_time() - t


def build(engine: str) -> RuleSet:
    linear.ENGINE = engine
    linear._DATABASES.clear()  # as a new process: the database comes from the disk cache
    return RuleSet([r for r in default_rules().rules if r.kind != "lexicon"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postings", type=int, default=2000)
    args = ap.parse_args()
    if linear._hs is None:
        raise SystemExit("hyperscan does not import here")
    texts = lines(args.postings)
    linear.COMPILE_AFTER = 0
    t = time.perf_counter()
    rs = build("hyperscan")
    linear.Scanner(rs._sets).compile()  # warm-up: compiles and stores the database when missing
    print(f"Hyperscan database ready in {time.perf_counter() - t:.2f} s (rule set included)")
    best: dict[str, float] = {}
    for _ in range(3):
        for engine in ("re2", "hyperscan"):
            rs = build(engine)
            best[engine] = min(best.get(engine, float("inf")), run(rs, texts))
    scanner = linear.Scanner(build("hyperscan")._sets)
    plain = sum(scanner.hits(x) is not None for x in texts) / len(texts)
    for engine, s in best.items():
        print(f"{engine}: {s / len(texts) * 1e6:.1f} µs a line ({len(texts)} distinct lines)")
    print(f"lines Hyperscan answers: {plain:.1%}")
    print(f"RESULT rules_hyperscan_speedup {best['re2'] / best['hyperscan']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
