#!/usr/bin/env python3
"""Speed of ``jdreview clean`` against trafilatura, jusText and resiliparse, on distinct
postings first.

    .venv/bin/python benchmarks/bench_clean.py [--distinct 5000] [--replicated 5000]
                                               [--html 300] [--peer-sample 500] [--repeat 3]

Three workloads, each a folder of files cleaned by the whole ``jdreview clean FOLDER -o
OUT`` process (start-up, loading, rules, classifier and writing included) pinned to one
core with ``taskset``:

- **distinct** (the headline): ``--distinct`` real postings from
  ``../shared/bench/nhs-distinct.jsonl.gz`` (14,509 distinct NHS Jobs postings, see its
  README), one ``.txt`` file each, plus the corpus's text postings. No line repeats
  across postings the way a site's chrome does, so the per-line caches do not help:
  this is what a batch of new postings costs;
- **replicated**: the corpus's text postings copied round-robin to ``--replicated``
  files. After the first copy of a posting every line is a cache hit: the cache-warm
  case (a batch from a few sites whose chrome repeats), which flatters;
- **html**: the corpus's HTML pages copied round-robin to ``--html`` files.

The peers run in this process on the same core, on an even sample of the same files
(HTML as is, text as one ``<p>`` per line, as ``score.py``'s ``as_html`` does): trafilatura
``extract``, jusText ``justext`` (English stoplist) and resiliparse
``extract_plain_text(main_content=True)``. Every tool runs ``--repeat`` times,
interleaved; the best run counts (the slower runs measure the machine's other tenants).
Rates are postings per CPU-second (user + system of the clean process; process time of
the peers) and per wall second. The clean process runs with its bytecode compiled (in a
temporary cache, by one untimed run first), as an installed package's is. The last line reads
``RESULT clean_distinct_vs_trafilatura <ratio per CPU-second>``.

Budgets (issue 9, one core, 5,000 files): distinct >= 3x trafilatura per CPU-second,
replicated >= 10x, HTML >= 5x; memory flat (about 100 MB).
"""

from __future__ import annotations

import argparse
import gzip
import html
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if (p / "corpus").is_dir()),
              ROOT.parent / "shared")
PEERS = ("trafilatura", "justext", "resiliparse")
BUDGET = {"distinct": 3.0, "replicated": 10.0, "html": 5.0}


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


def distinct(count: int, corpus_texts: list[Path], folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    out = []
    with gzip.open(SHARED / "bench" / "nhs-distinct.jsonl.gz", "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= count:
                break
            dst = folder / f"nhs{n:05d}.txt"
            dst.write_text(json.loads(line)["text"], encoding="utf-8")
            out.append(dst)
    for src in corpus_texts:
        dst = folder / f"corpus_{src.name}"
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


def clean_env(pycache: Path) -> dict[str, str]:
    """The environment of the clean process: this checkout's code, with its bytecode
    cached in ``pycache`` as an installed package has it (a shell that sets
    PYTHONDONTWRITEBYTECODE would otherwise make every run compile the sources again,
    a cost no installed jdreview pays)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(pycache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_clean(folder: Path, out: Path, pin: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds of the whole process, its CPU seconds (user + system), peak RSS in MB."""
    cmd = [*pin, sys.executable, "-m", "jdreview", "clean", str(folder), "-o", str(out),
           "--progress", "never"]
    # a fresh measuring process per run, so ru_maxrss is this run's peak, not the largest so far
    probe = ("import resource,subprocess,sys,time,json;t=time.perf_counter();"
             "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);e=time.perf_counter()-t;"
             "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
             "print(json.dumps([p.returncode,e,r.ru_utime+r.ru_stime,r.ru_maxrss/1024,p.stderr[-2000:]]))")
    res = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, cwd=ROOT, env=env)
    code, elapsed, cpu, rss, err = json.loads(res.stdout)
    if code != 0:
        sys.exit(f"jdreview clean failed ({code}):\n{err}")
    return elapsed, cpu, rss


def peer(name: str) -> Callable[[str], object]:
    if name == "trafilatura":
        import trafilatura

        return lambda doc: trafilatura.extract(doc, include_comments=False)
    if name == "justext":
        import justext

        stop = justext.get_stoplist("English")

        def run_justext(doc: str) -> object:
            try:
                return [p.text for p in justext.justext(doc, stop) if not p.is_boilerplate]
            except Exception:  # jusText raises on some pages; the time still counts
                return ""
        return run_justext
    from resiliparse.extract.html2text import extract_plain_text

    return lambda doc: extract_plain_text(doc, main_content=True)


def time_peer(run: Callable[[str], object], docs: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds for the peer on ``docs``."""
    t, c = time.perf_counter(), time.process_time()
    for doc in docs:
        run(doc)
    return time.perf_counter() - t, time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--distinct", type=int, default=5000, help="distinct NHS postings (plus the corpus's texts)")
    ap.add_argument("--replicated", type=int, default=5000, help="copies of the corpus's text postings")
    ap.add_argument("--html", type=int, default=300, help="copies of the corpus's HTML pages")
    ap.add_argument("--peer-sample", type=int, default=500, help="text postings given to each peer")
    ap.add_argument("--peer-html-sample", type=int, default=21, help="HTML pages given to each peer")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tool, interleaved; the best counts")
    a = ap.parse_args()
    raw = SHARED / "corpus" / "raw"
    if not raw.is_dir() or not (SHARED / "bench" / "nhs-distinct.jsonl.gz").is_file():
        print(f"no corpus or bench data under {SHARED}: nothing to measure", file=sys.stderr)
        return 2
    texts = sorted(p for p in raw.iterdir() if p.suffix in (".txt", ".md"))
    pages = sorted(p for p in raw.iterdir() if p.suffix in (".html", ".htm"))
    pin = one_core()
    print(f"one core: {'taskset -c ' + pin[2] if pin else 'not pinned (no taskset)'}; "
          f"python {sys.version.split()[0]}; best of {a.repeat}, tools interleaved")
    runners = {name: peer(name) for name in PEERS}
    result: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="jdreview-bench-") as tmp:
        tmpd = Path(tmp)
        env = clean_env(tmpd / "pycache")
        warm = tmpd / "warm-up"
        replicate(texts, 1, warm)
        time_clean(warm, tmpd / "warm-up-out", pin, env)  # compiles the bytecode: not timed
        workloads = [
            ("distinct", lambda f: distinct(a.distinct, texts, f), a.peer_sample),
            ("replicated", lambda f: replicate(texts, a.replicated, f), a.peer_sample),
            ("html", lambda f: replicate(pages, a.html, f), a.peer_html_sample),
        ]
        for kind, make, sample_n in workloads:
            files = make(tmpd / kind)
            count = len(files)
            step = max(1, count // sample_n)
            docs = [as_html(p) for p in files[::step][:sample_n]]
            for run in runners.values():
                run(docs[0])  # imports and first-call set-up are not the steady state
            wall: dict[str, list[float]] = {t: [] for t in ("jdreview", *PEERS)}
            cpu: dict[str, list[float]] = {t: [] for t in ("jdreview", *PEERS)}
            rss: list[float] = []
            for r in range(a.repeat):
                out = tmpd / f"{kind}-out-{r}"
                e, c, m = time_clean(tmpd / kind, out, pin, env)
                written = len([n for n in os.listdir(out) if n.endswith(".txt") and ".explain" not in n])
                assert written == count, f"{written} outputs for {count} inputs"
                shutil.rmtree(out)
                wall["jdreview"].append(count / e)
                cpu["jdreview"].append(count / c)
                rss.append(m)
                for name, run in runners.items():
                    e, c = time_peer(run, docs)
                    wall[name].append(len(docs) / e)
                    cpu[name].append(len(docs) / max(c, 1e-9))
            print(f"\n{kind}: {count} files" + (f" ({a.distinct} NHS + {len(texts)} corpus texts)" if kind == "distinct" else "")
                  + f"; peers on an even sample of {len(docs)}")
            print(f"  {'tool':<12} {'per CPU-second':>15} {'per wall second':>16}   runs (per CPU-second)")
            for tool in ("jdreview", *PEERS):
                runs = ", ".join(f"{x:.0f}" for x in cpu[tool])
                print(f"  {tool:<12} {max(cpu[tool]):>15,.0f} {max(wall[tool]):>16,.0f}   {runs}")
            ratio_cpu = max(cpu["jdreview"]) / max(cpu["trafilatura"])
            ratio_wall = max(wall["jdreview"]) / max(wall["trafilatura"])
            ok = ratio_cpu >= BUDGET[kind]
            print(f"  jdreview / trafilatura: {ratio_cpu:.2f}x per CPU-second, {ratio_wall:.2f}x per wall second "
                  f"(budget >= {BUDGET[kind]:.0f}x: {'met' if ok else 'NOT met'}); "
                  f"peak memory of the clean process {min(rss):.0f}-{max(rss):.0f} MB")
            result[kind] = {"ratio": ratio_cpu, "rate": max(cpu["jdreview"]), "rss": max(rss)}
    print()
    print("summary (jdreview / trafilatura per CPU-second; peak memory of the clean process):")
    for kind, r in result.items():
        print(f"  {kind:<11} {r['ratio']:5.2f}x (budget >= {BUDGET[kind]:.0f}x: "
              f"{'met' if r['ratio'] >= BUDGET[kind] else 'NOT met'}), {r['rate']:,.0f} postings/CPU-s, "
              f"{r['rss']:.0f} MB")
    print(f"RESULT clean_distinct_vs_trafilatura {result['distinct']['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
