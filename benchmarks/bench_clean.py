#!/usr/bin/env python3
"""Speed of ``jdreview clean`` against trafilatura and boilerpy3 on the development corpus.

    .venv/bin/python benchmarks/bench_clean.py [--text-count 5000] [--html-count 300]
                                               [--peer-sample 300] [--corpus DIR]

The corpus's raw postings (``../shared/corpus/raw``) are replicated into a temporary
folder, text and HTML separately, and the whole ``jdreview clean FOLDER -o OUT`` process
is timed as a subprocess pinned to one core (start-up, loading, rules, classifier and
writing included). trafilatura and boilerpy3 get the same postings in this process, on
the same core: HTML as is, text as one ``<p>`` per line (as ``score.py``'s ``as_html``
does). The peers are slow, so they are timed on a sample of the postings (said in the
output). Each tool runs ``--repeat`` times, interleaved, and its best run counts (as
``timeit`` does: the slower runs measure the machine's other tenants). The last line
reads ``RESULT clean_vs_trafilatura_text <ratio>``.

Budget (issue 2): text >= 10x trafilatura and >= 1,000 postings/s for the whole process;
HTML >= trafilatura.
"""

from __future__ import annotations

import argparse
import html
import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def as_html(path: Path) -> str:
    """Exactly ``score.py``'s ``as_html``: HTML as is, text as one <p> per line."""
    data = path.read_bytes()
    if path.suffix in (".html", ".htm"):
        return data.decode("utf-8", "replace")
    text = data.decode("utf-8", "replace")
    return "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines()) + "</body></html>"


def replicate(sources: list[Path], count: int, folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    out = []
    for i, src in zip(range(count), itertools.cycle(sources), strict=False):
        dst = folder / f"{src.stem}_{i:05d}{src.suffix}"
        shutil.copyfile(src, dst)
        out.append(dst)
    return out


def one_core() -> list[str]:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})  # the peers, in this process
        if shutil.which("taskset"):
            return ["taskset", "-c", str(core)]
    return []


def time_clean(folder: Path, out: Path, pin: list[str]) -> tuple[float, float, float]:
    """Wall seconds of the whole process, and its user and system CPU seconds."""
    cmd = [*pin, sys.executable, "-m", "jdreview", "clean", str(folder), "-o", str(out),
           "--progress", "never"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"jdreview clean failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return elapsed, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def time_peer(name: str, docs: list[str]) -> float:
    if name == "trafilatura":
        import trafilatura

        def run(doc: str) -> object:
            return trafilatura.extract(doc, include_comments=False)
    else:
        from boilerpy3 import extractors

        ex = extractors.ArticleExtractor()

        def run(doc: str) -> object:
            try:
                return ex.get_content(doc)
            except Exception:  # boilerpy3 raises on some pages; the time still counts
                return ""
    run(docs[0])  # imports and first-call set-up are not the steady state
    t = time.perf_counter()
    for doc in docs:
        run(doc)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--text-count", type=int, default=5000)
    ap.add_argument("--html-count", type=int, default=300,
                    help="HTML pages to clean (the two corpus pages are 160-290 kB each)")
    ap.add_argument("--peer-sample", type=int, default=300, help="text postings given to each peer")
    ap.add_argument("--peer-html-sample", type=int, default=20, help="HTML pages given to each peer")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each tool, interleaved; the best run counts (a shared machine's "
                         "speed varies by half from one minute to the next)")
    a = ap.parse_args()
    raw = Path(a.corpus) / "raw"
    if not raw.is_dir():
        print(f"no corpus at {raw}: nothing to measure", file=sys.stderr)
        return 2
    texts = sorted(p for p in raw.iterdir() if p.suffix in (".txt", ".md"))
    pages = sorted(p for p in raw.iterdir() if p.suffix in (".html", ".htm"))
    pin = one_core()
    print(f"corpus: {len(texts)} text postings, {len(pages)} HTML pages from {raw}")
    print(f"one core: {'taskset ' + pin[2] if pin else 'not pinned (no taskset)'}; python {sys.version.split()[0]}")
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="jdreview-bench-") as tmp:
        tmpd = Path(tmp)
        for kind, sources, count in (("text", texts, a.text_count), ("html", pages, a.html_count)):
            if not sources or count <= 0:
                continue
            files = replicate(sources, count, tmpd / kind)
            t = time.perf_counter()
            shutil.copytree(tmpd / kind, tmpd / f"{kind}-copy")
            copy_rate = count / (time.perf_counter() - t)
            sample_n = a.peer_sample if kind == "text" else a.peer_html_sample
            docs = [as_html(p) for p in files[:sample_n]]
            runs: dict[str, list[float]] = {"jdreview": [], "trafilatura": [], "boilerpy3": []}
            cpu: list[tuple[float, float]] = []
            for r in range(a.repeat):
                out = tmpd / f"{kind}-out-{r}"
                elapsed, user, system = time_clean(tmpd / kind, out, pin)
                written = len([n for n in os.listdir(out) if n.endswith(".txt")])
                assert written == count, f"{written} outputs for {count} inputs"
                shutil.rmtree(out)
                runs["jdreview"].append(elapsed)
                cpu.append((user, system))
                for peer in ("trafilatura", "boilerpy3"):
                    runs[peer].append(time_peer(peer, docs))
            best = min(range(a.repeat), key=lambda r: runs["jdreview"][r])
            elapsed = runs["jdreview"][best]
            rates[f"jdreview_{kind}"] = count / elapsed
            spread = ", ".join(f"{count / e:.0f}" for e in runs["jdreview"])
            print(f"jdreview clean  {kind:<4}: {count:>5} postings in {elapsed:7.2f} s = "
                  f"{count / elapsed:8.1f} postings/s (whole process, one core; best of {spread}; "
                  f"that run's CPU: user {cpu[best][0]:.2f} s, system {cpu[best][1]:.2f} s; "
                  f"copying the files: {copy_rate:,.0f}/s)")
            for peer in ("trafilatura", "boilerpy3"):
                el = min(runs[peer])
                rates[f"{peer}_{kind}"] = len(docs) / el
                spread = ", ".join(f"{len(docs) / e:.0f}" for e in runs[peer])
                print(f"{peer:<15} {kind:<4}: {len(docs):>5} postings in {el:7.2f} s = "
                      f"{len(docs) / el:8.1f} postings/s (sample of {len(docs)}, in process; "
                      f"best of {spread})")
    print()
    for kind in ("text", "html"):
        if f"jdreview_{kind}" not in rates:
            continue
        for peer in ("trafilatura", "boilerpy3"):
            print(f"ratio jdreview/{peer} {kind}: {rates[f'jdreview_{kind}'] / rates[f'{peer}_{kind}']:.2f}x")
    if "jdreview_text" in rates:
        ok_text = rates["jdreview_text"] >= 1000 and rates["jdreview_text"] >= 10 * rates["trafilatura_text"]
        print(f"budget text (>= 1,000/s and >= 10x trafilatura): {'met' if ok_text else 'NOT met'}")
    if "jdreview_html" in rates:
        ok_html = rates["jdreview_html"] >= rates["trafilatura_html"]
        print(f"budget html (>= trafilatura): {'met' if ok_html else 'NOT met'}")
    ratio = rates.get("jdreview_text", 0.0) / rates.get("trafilatura_text", float("inf"))
    print(f"RESULT clean_vs_trafilatura_text {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
