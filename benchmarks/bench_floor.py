#!/usr/bin/env python3
"""The floor of a per-line filter in Python: could any pure-Python jdreview meet issue 9's 3x?

    .venv/bin/python benchmarks/bench_floor.py [--postings 2000] [--repeat 3]

In one process, interleaved, best of ``--repeat`` (CPU seconds), on the first ``--postings``
distinct NHS Jobs postings of ``../shared/bench/nhs-distinct.jsonl.gz`` (every line new):

- trafilatura on each posting as one ``<p>`` per line (as ``bench_clean.py`` hands it text);
- jdreview's filter as shipped (``Cleaner.clean``, loading included, caches warm from the
  previous run only for lines that repeat across postings, which distinct postings rarely do);
- the least any line filter written in Python must do per line, with every part a C-coded
  builtin or library call: load the posting (jdreview's own loader), then per line: case-fold
  and split into words, look up a weight for every word and every word pair (the smallest
  classifier), one Hyperscan scan of 25 rule patterns (the shipped rules have about four
  times as many), one ``re`` pass for four feature flags. No context features, no rule
  questions beyond the scan, no structure (near duplicates, sections, segments, units), no
  output: a lower bound of a pure-Python filter's cost, far below what the filter needs;
- that floor plus the least of three things every jdreview decision stands on: a
  near-duplicate key per line (its word set), the line's sentences (one split), and one
  context feature (the mean score of the two lines either side).

The budget is for the whole ``jdreview clean`` process on a folder of 5,000 files, so the
floor also pays what a process that writes cleaned files cannot avoid: reading each file and
writing its cleaned text (jdreview's own atomic writer, not durable, as ``clean`` writes), and
starting (Python, the imports, the rules and classifier ready: ``Cleaner.create``, CPU seconds
of a fresh process, shared by 5,000 files). If that whole-process floor, which does a small
part of the filter's work, stays below 3x trafilatura's postings per CPU-second, then no
pure-Python jdreview can meet the budget: it needs the per-line work in compiled code.
Last line: ``RESULT python_floor_vs_trafilatura <whole-process floor with the essentials /
trafilatura, per CPU-second>``.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if (p / "bench").is_dir()),
              ROOT.parent / "shared")

from jdreview.engines.local import Cleaner  # noqa: E402
from jdreview.io.atomic import atomic_write_text  # noqa: E402
from jdreview.io.inputs import load_posting_bytes  # noqa: E402

#: the whole-process budget is over a folder of this many files (issue 9)
FILES = 5000

PATTERNS = [rb"\bequal (?:employment )?opportunit", rb"\bcookies?\b", rb"^apply (?:now|today)!?$",
            rb"\d{4,}", rb"https?://\S+", rb"^share\b", rb"\bsign in\b", rb"^similar jobs$",
            rb"privacy (?:policy|notice)", rb"^\W*$", rb"\bfollow us\b", rb"^back to (?:search|jobs)",
            rb"\bapplicants?\b", rb"^report (?:this )?job$", rb"all rights reserved", rb"^\d+$",
            rb"\bdiversity\b", rb"\bbackground check", rb"^save( job)?$", rb"\bposted \d+ days? ago\b",
            rb"^[A-Z][a-z]+ [A-Z][a-z]+$", rb"@\w+\.\w+", rb"\bclick here\b", rb"^skip to", rb"\bcopyright\b"]
FLAGS = re.compile(r"\d|[$£€]|https?://|[.!?]\s*$")
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def floor_filter(weights: dict[str, float], *, essential: bool = False) -> Callable[[str], object]:
    import hyperscan as hs

    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(expressions=PATTERNS, ids=list(range(len(PATTERNS))),
               flags=[hs.HS_FLAG_CASELESS | hs.HS_FLAG_SINGLEMATCH | hs.HS_FLAG_MULTILINE] * len(PATTERNS))

    def on_match(i: int, start: int, end: int, flags: int, found: Any) -> None:
        found.append(i)  # (no type check here: it would be timed as the floor's work)

    get = weights.get

    def run(text: str) -> object:
        out = []
        keys: dict[frozenset[str], int] = {}
        for line in load_posting_bytes(text.encode("utf-8"), "x.txt").lines:
            if not line.strip():
                continue
            toks = line.casefold().split()
            score = sum(get(w, 0.0) for w in toks) + sum(get(a + " " + b, 0.0) for a, b in zip(toks, toks[1:], strict=False))
            found: list[int] = []
            db.scan(line.encode("utf-8"), match_event_handler=on_match, context=found)
            out.append((score, len(toks), len(found), len(FLAGS.findall(line))))
            if essential:
                keys.setdefault(frozenset(toks), len(out))  # a near-duplicate key
                SENTENCE.split(line)  # the segments a sentence rule would see
        if essential:  # a context feature: the mean score of the two lines either side
            scores = [o[0] for o in out]
            n = len(scores)
            return [(sum(scores[max(0, k - 2):k + 3]) / 5, o) for k, o in zip(range(n), out, strict=True)]
        return out
    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postings", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    data = SHARED / "bench" / "nhs-distinct.jsonl.gz"
    if not data.is_file():
        print(f"skipped: no {data}", file=sys.stderr)
        return 0
    try:
        import hyperscan  # noqa: F401
        import trafilatura
    except ImportError as e:
        print(f"skipped: {e}", file=sys.stderr)
        return 0
    texts: list[str] = []
    with gzip.open(data, "rt", encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) >= a.postings:
                break
    docs = ["<html><body>" + "".join(f"<p>{html.escape(x)}</p>" for x in t.splitlines()) + "</body></html>"
            for t in texts]
    # the weights of every word and word pair of the postings: a lookup always finds one
    weights: dict[str, float] = {}
    for t in texts:
        toks = t.casefold().split()
        for k in (*toks, *(x + " " + y for x, y in zip(toks, toks[1:], strict=False))):
            weights.setdefault(k, (hash(k) % 1000) / 1000.0)
    cleaner = Cleaner.create()
    floor = floor_filter(weights)
    essentials = floor_filter(weights, essential=True)
    runs: dict[str, Callable[[], object]] = {
        "trafilatura": lambda: [trafilatura.extract(d, include_comments=False) for d in docs],
        "jdreview filter": lambda: [cleaner.clean(load_posting_bytes(t.encode("utf-8"), f"n{i}.txt"))
                                    for i, t in enumerate(texts)],
        "python floor": lambda: [floor(t) for t in texts],
        "floor + essentials": lambda: [essentials(t) for t in texts],
    }
    tmp = Path(tempfile.mkdtemp(prefix="jdreview-floor-"))
    for i, t in enumerate(texts):
        (tmp / f"n{i}.txt").write_text(t, encoding="utf-8")

    def io() -> None:
        for i in range(len(texts)):
            data = (tmp / f"n{i}.txt").read_bytes()
            atomic_write_text(str(tmp / f"n{i}.out"), data.decode("utf-8"), durable=False)
    runs["reading and writing"] = io
    best = {name: float("inf") for name in runs}
    for _ in range(a.repeat):
        for name, run in runs.items():
            c = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - c)
    shutil.rmtree(tmp, ignore_errors=True)
    probe = ("import resource,sys;sys.path.insert(0,sys.argv[1]);"
             "from jdreview.engines.local import Cleaner;Cleaner.create();"
             "r=resource.getrusage(resource.RUSAGE_SELF);print(r.ru_utime+r.ru_stime)")
    start = min(float(subprocess.run([sys.executable, "-c", probe, str(ROOT)], capture_output=True,
                                     text=True, check=True).stdout) for _ in range(a.repeat))
    lines = sum(1 for t in texts for x in t.splitlines() if x.strip())
    print(f"{len(texts)} distinct NHS Jobs postings, {lines} non-blank lines; best of {a.repeat}, CPU seconds")
    for name, sec in best.items():
        print(f"  {name:<16} {len(texts) / sec:8.0f} postings per CPU-s  {sec / lines * 1e6:6.1f} us a line")
    rate = {name: len(texts) / sec for name, sec in best.items()}
    fixed = best["reading and writing"] / len(texts) + start / FILES
    whole = {name: 1 / (best[name] / len(texts) + fixed) for name in ("python floor", "floor + essentials")}
    print(f"  start-up {start:.2f} CPU-s (a {FILES}-file run: {start / FILES * 1e3:.3f} ms a posting), "
          f"reading and writing {best['reading and writing'] / len(texts) * 1e3:.3f} ms a posting")
    for name, r in whole.items():
        print(f"  whole process, {name:<18} {r:6.0f} postings per CPU-s = {r / rate['trafilatura']:.2f}x trafilatura")
    print(f"  3x trafilatura is {3 * rate['trafilatura']:.0f} postings per CPU-s, "
          f"{best['trafilatura'] / 3 / lines * 1e6:.1f} us a line for everything")
    print(f"  jdreview's filter / trafilatura: {rate['jdreview filter'] / rate['trafilatura']:.2f}x; "
          f"the Python floor / trafilatura: {rate['python floor'] / rate['trafilatura']:.2f}x, "
          f"with the essentials {rate['floor + essentials'] / rate['trafilatura']:.2f}x")
    print(f"RESULT python_floor_vs_trafilatura {whole['floor + essentials'] / rate['trafilatura']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
