#!/usr/bin/env python3
"""Wrapped prose without full stops (issue 10 item 7): the filter must be linear.

    .venv/bin/python benchmarks/bench_wrapped.py

Cleans postings of 1,000, 2,000 and 4,000 wrapped lines that never end a sentence
(one block for the block joiner), each three times, and prints the best time of each
and the ratio of 4,000 lines to 1,000 (4.0 is linear; quadratic was 16: 6 / 25 / 99 s).
Last line: ``RESULT wrapped_ratio_4k_1k <ratio>``.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jdreview.engines.local import Cleaner  # noqa: E402
from jdreview.io.posting import Posting  # noqa: E402

WORDS = ("data pipeline team build service customer product system design quality people work "
         "with the and of to in").split()


def posting(n: int, seed: int) -> Posting:
    rnd = random.Random(seed)
    return Posting.from_text("\n".join(" ".join(rnd.choice(WORDS) for _ in range(11)) + f" w{seed}x{i}"
                                       for i in range(n)))


def main() -> int:
    cleaner = Cleaner.create()
    best: dict[int, float] = {}
    for run in range(3):
        for n in (1000, 2000, 4000):
            p = posting(n, run * 10 + n)  # distinct lines every run: no cache hits
            t = time.perf_counter()
            cleaner.clean(p)
            best[n] = min(best.get(n, float("inf")), time.perf_counter() - t)
    for n, s in best.items():
        print(f"{n} wrapped lines: {s:.3f} s")
    print(f"RESULT wrapped_ratio_4k_1k {best[4000] / best[1000]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
