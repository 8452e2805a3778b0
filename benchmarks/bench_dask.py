"""Records per second: the local engine, and the Dask engine with one and two workers.

Builds a JSON Lines file of ``--records`` postings (default 100,000) from the
development corpus (``../shared/corpus/raw/*.txt`` and ``*.html``, read in place,
never copied into the repository), each with its own id, url and title; cleans it
with the local engine (``clean_paths``) and with ``jdreview clean --engine dask``
on a LocalCluster of one and of two worker processes; checks that the Dask output
is the local engine's, record for record; and prints records per second for each
and the peak memory of each worker. The last line is::

    RESULT dask_speedup_2w <records/s with two workers / records/s with one>

Sizes for a quick run: ``--records 2000`` (or ``JDREVIEW_BENCH_RECORDS``); the
local engine can run on the first ``--local-records`` only (its rate is per record).
Cluster start-up is not timed; everything after it (planning, cleaning, writing
the parts, errors and summary) is.

    .venv/bin/python benchmarks/bench_dask.py --records 100000
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def build_input(corpus: Path, n: int, path: Path) -> tuple[int, int]:
    """Write ``n`` postings as JSON Lines; returns (text records, html records)."""
    sources = []
    for f in sorted((corpus / "raw").glob("*")):
        if f.suffix not in (".txt", ".html"):
            continue
        data = f.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        sources.append((f.stem, "html" if f.suffix == ".html" else "text", text))
    counts = {"text": 0, "html": 0}
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            stem, field, text = sources[i % len(sources)]
            counts[field] += 1
            rec = {"id": f"bench-{i:07d}-{stem}", "url": f"https://jobs.example.com/{stem}/{i}",
                   "title": f"Posting {i} from {stem}", field: text}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return counts["text"], counts["html"]


def head_lines(src: Path, dst: Path, n: int) -> None:
    with src.open("rb") as f, dst.open("wb") as out:
        for i, line in enumerate(f):
            if i >= n:
                break
            out.write(line)


def digest_lines(lines) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line)
    return h.hexdigest()


def dask_lines(outdir: Path, limit: int):
    count = 0
    for part in sorted(outdir.glob("part-*.jsonl")):
        with part.open("rb") as f:
            for line in f:
                if count >= limit:
                    return
                count += 1
                yield line


def run_local(src: Path, outdir: Path) -> tuple[float, int]:
    from jdreview.engines.local import Cleaner, clean_paths

    cleaner = Cleaner.create()
    t0 = time.perf_counter()
    summary = clean_paths([str(src)], str(outdir), cleaner, progress="never", stderr=io.StringIO())
    return time.perf_counter() - t0, summary.postings


def _worker_usage() -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of the calling worker process."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_maxrss / 1024


def run_dask(src: Path, outdir: Path, workers: int) -> tuple[float, int, list[float], float]:
    """Returns wall seconds, records cleaned, peak RSS per worker, and the share of
    the workers' wall time they got on a CPU (below ~0.95: other processes competed)."""
    from jdreview.engines.dask_engine import clean_on_dask, start_local_cluster

    cluster, client = start_local_cluster(workers)
    try:
        client.run(lambda: __import__("jdreview.engines.local"))  # worker imports are not the engine's speed
        before = client.run(_worker_usage)
        err = io.StringIO()
        t0 = time.perf_counter()
        summary = clean_on_dask(client, [str(src)], str(outdir), {}, fmt="jsonl", progress="never",
                                stderr=err)
        elapsed = time.perf_counter() - t0
        after = client.run(_worker_usage)
        cpu = sum(after[w][0] - before[w][0] for w in after)
        if summary.errors:
            print(err.getvalue(), file=sys.stderr, end="")
        return elapsed, summary.cleaned, sorted(u[1] for u in after.values()), cpu / (elapsed * workers)
    finally:
        client.close()
        cluster.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=int(os.environ.get("JDREVIEW_BENCH_RECORDS", 100_000)),
                   help="postings to build (default 100000, or $JDREVIEW_BENCH_RECORDS)")
    p.add_argument("--local-records", type=int,
                   default=int(os.environ.get("JDREVIEW_BENCH_LOCAL_RECORDS", 0)) or None,
                   help="run the local engine on the first N postings only (default: all)")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--workdir", type=Path, help="where to build the input (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the built input and outputs")
    args = p.parse_args(argv)

    if not (args.corpus / "raw").is_dir():
        print(f"SKIP: the development corpus is not at {args.corpus} (it is read from there, "
              "never copied into the repository)")
        return 0
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("SKIP: the Dask extra is not installed (pip install 'jdreview[dask]')")
        return 0

    work = args.workdir or Path(tempfile.mkdtemp(prefix="jdreview-bench-dask-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        src = work / "postings.jsonl"
        t0 = time.perf_counter()
        n_text, n_html = build_input(args.corpus, args.records, src)
        size_mb = src.stat().st_size / 1e6
        print(f"input: {args.records:,} postings ({n_text:,} text, {n_html:,} HTML), {size_mb:,.0f} MB "
              f"JSON Lines, built in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores")

        local_n = min(args.local_records or args.records, args.records)
        local_src = src
        if local_n < args.records:
            local_src = work / "head.jsonl"
            head_lines(src, local_src, local_n)
        secs, n = run_local(local_src, work / "out-local")
        rates = {"local": n / secs}
        print(f"local engine      {n:>9,} records {secs:>8.1f} s {rates['local']:>9,.1f} records/s")
        local_digest = digest_lines(
            line for line in (work / "out-local" / (local_src.stem + ".jsonl")).open("rb"))
        shutil.rmtree(work / "out-local")

        busy_by: dict[int, float] = {}
        for workers in (1, 2):
            out = work / f"out-dask-{workers}w"
            load = os.getloadavg()[0]
            secs, n, rss, busy = run_dask(src, out, workers)
            rates[f"{workers}w"] = n / secs
            busy_by[workers] = busy
            same = digest_lines(dask_lines(out, local_n)) == local_digest
            print(f"dask {workers} worker(s)  {n:>9,} records {secs:>8.1f} s {rates[f'{workers}w']:>9,.1f} "
                  f"records/s; peak RSS per worker {', '.join(f'{r:,.0f}' for r in rss)} MB; "
                  f"workers on CPU {busy:.0%} of the time (load before: {load:.1f}); "
                  f"first {local_n:,} records identical to local: {'yes' if same else 'NO'}")
            if not same or n != args.records:
                print("FAIL: the Dask output differs from the local engine's", file=sys.stderr)
                return 1
            shutil.rmtree(out)

        print(f"dask 1 worker / local: {rates['1w'] / rates['local']:.2f}; "
              f"dask 2 workers / local: {rates['2w'] / rates['local']:.2f}; "
              f"client process peak RSS {_peak_rss_mb():,.0f} MB")
        print(f"(workers' CPU share, 1 worker {busy_by[1]:.0%}, 2 workers {busy_by[2]:.0%}: below ~95%: other processes took "
              f"cores or a worker waited on the last block; speedup per CPU share {rates['2w'] / rates['1w'] * busy_by[1] / busy_by[2]:.2f})")
        print(f"RESULT dask_speedup_2w {rates['2w'] / rates['1w']:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
