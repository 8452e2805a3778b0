"""The Dask engine: same records as the local engine, on a real two-process cluster.

One LocalCluster (two worker processes, one thread each) serves the whole module,
so the suite pays for starting it once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jdreview.engines.local import Cleaner, clean_paths

try:
    import distributed  # noqa: F401
    import pyarrow  # noqa: F401

    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False

needs_dask = pytest.mark.skipif(not HAVE_DASK, reason="the Dask extra is not installed "
                                "(pip install 'jdreview[dask]')")

ROOT = Path(__file__).parents[2]
SEEDS = ROOT / "assets" / "samples" / "seeds"
OPTIONS = {"rule_files": [], "default_rules": True, "classifier": None, "use_classifier": True,
           "threshold": None}


def make_records(n: int) -> list[dict]:
    """``n`` varied postings made from the seeds: text and HTML, several field names,
    site urls, extra fields of several JSON types, and noise lines the filter drops."""
    seeds = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert seeds, "the seed postings are part of the repository"
    out = []
    for i in range(n):
        lines = seeds[i % len(seeds)].splitlines()
        lines = lines[: 40 + (i * 7) % 60]  # postings of different lengths
        lines.insert(min(3, len(lines)), f"{i + 17} applicants")
        lines.append(f"Similar jobs\nData Engineer {i}\nBackend Developer {i * 3}")
        rec: dict = {"id": f"job-{i:05d}", "title": f"Engineer {i}", "company": "Acme",
                     "salary": [None, 50_000 + i, "€60k"][i % 3], "tags": ["a", str(i)],
                     "remote": i % 2 == 0}
        if i % 5 == 0:
            body = "".join(f"<p>{line}</p>" for line in lines)
            rec["html"] = (f"<html><head><script>var x={i}</script></head><body>{body}"
                           f"<div hidden>hidden {i}</div></body></html>")
        elif i % 5 == 1:
            rec["description"] = "\n".join(lines)
            rec["url"] = f"https://www.linkedin.com/jobs/view/{10_000 + i}"
        else:
            rec["text"] = "\n".join(lines)
        out.append(rec)
    return out


def write_jsonl(path: Path, records: list, extra_lines: dict[int, str] | None = None) -> None:
    """Write records one per line; ``extra_lines`` puts raw text at 1-based line numbers."""
    extra = dict(extra_lines or {})
    lines: list[str] = []
    recs = iter(records)
    while True:
        if len(lines) + 1 in extra:
            lines.append(extra.pop(len(lines) + 1))
            continue
        try:
            lines.append(json.dumps(next(recs), ensure_ascii=False))
        except StopIteration:
            break
    path.write_text("".join(line + "\n" for line in lines), "utf-8")


def local_output(path: Path, out: Path, options: dict = OPTIONS) -> list[str]:
    """The local engine's output lines for the good records of one batch file."""
    clean_paths([str(path)], str(out), Cleaner.create(**options), progress="never", stderr=io.StringIO())
    lines = (out / (path.stem + ".jsonl")).read_text("utf-8").splitlines(keepends=True)
    return [line for line in lines if "error" not in json.loads(line)["jdreview"]]


def dask_lines(out: Path) -> list[str]:
    lines: list[str] = []
    for part in sorted(out.glob("part-*.jsonl")):
        lines += part.read_text("utf-8").splitlines(keepends=True)
    return lines


def errors_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "errors" / "errors.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def client():
    from jdreview.engines.dask_engine import start_local_cluster

    cluster, client = start_local_cluster(2)
    yield client
    client.close()
    cluster.close()


def run(client, inputs, out: Path, options: dict = OPTIONS, **kw):
    from jdreview.engines.dask_engine import clean_on_dask

    err = io.StringIO()
    summary = clean_on_dask(client, [str(p) for p in inputs], str(out), options, stderr=err, **kw)
    return summary, err.getvalue()


# ---------------------------------------------------------------- identity with the local engine

@needs_dask
def test_two_workers_write_exactly_what_the_local_engine_writes(client, tmp_path: Path) -> None:
    from jdreview.engines import dask_engine

    src = tmp_path / "postings.jsonl"
    write_jsonl(src, make_records(300))
    expected = local_output(src, tmp_path / "local")
    assert len(expected) == 300

    summary, err = run(client, [src], tmp_path / "dask")
    got = dask_lines(tmp_path / "dask")
    assert got == expected  # byte for byte, in input order, across partitions
    assert summary.cleaned == 300 and summary.errors == 0
    assert summary.partitions >= 4  # the file was split into blocks...
    assert sorted(client.run(lambda: len(dask_engine._CLEANERS)).values()) == [1, 1]  # ...run on both
    meta = [json.loads(line)["jdreview"] for line in got]
    assert all(m["dropped_units"] > 0 and m["kept_units"] > 0 for m in meta)
    assert {m["rules_version"] for m in meta} == {Cleaner.create(**OPTIONS).rules.version}
    assert "300 records cleaned, 0 failed" in err
    saved = json.loads((tmp_path / "dask" / "_summary.json").read_text())
    assert saved["cleaned"] == 300 and saved["errors"] == 0


@needs_dask
def test_user_rule_file_reaches_the_workers(client, tmp_path: Path) -> None:
    rules = tmp_path / "team.toml"
    rules.write_text('schema = 1\n\n[[rule]]\nid = "team-drop-acme"\nkind = "regex"\n'
                     'pattern = \'^Engineer \\d+$\'\naction = "drop"\n', "utf-8")
    options = {**OPTIONS, "rule_files": [str(rules)]}
    records = make_records(40)
    for r in records:
        r["text"] = f"Engineer {r['id']}\nWe build data pipelines in Python.\nEngineer 7\n"
        r.pop("html", None), r.pop("description", None)
    src = tmp_path / "p.jsonl"
    write_jsonl(src, records)
    expected = local_output(src, tmp_path / "local", options)
    run(client, [src], tmp_path / "dask", options)
    got = dask_lines(tmp_path / "dask")
    assert got == expected
    assert all("Engineer 7" not in json.loads(line)["cleaned_text"] for line in got)  # the user rule fired
    assert len({json.loads(line)["jdreview"]["rules_version"] for line in got}) == 1
    assert json.loads(got[0])["jdreview"]["rules_version"] != Cleaner.create(**OPTIONS).rules.version


@needs_dask
def test_parquet_output_holds_the_same_records(client, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    src = tmp_path / "p.jsonl"
    write_jsonl(src, make_records(60))
    expected = [json.loads(line) for line in local_output(src, tmp_path / "local")]
    summary, _ = run(client, [src], tmp_path / "dask", fmt="parquet")
    parts = sorted((tmp_path / "dask").glob("part-*.parquet"))
    assert len(parts) >= 2
    rows = [row for p in parts for row in pq.read_table(p).to_pylist()]
    assert [r["id"] for r in rows] == [e["id"] for e in expected]
    for row, exp in zip(rows, expected, strict=True):
        assert row["cleaned_text"] == exp["cleaned_text"]
        assert row["jdreview"] == exp["jdreview"]
        assert row["title"] == exp["title"]


# ---------------------------------------------------------------- bad input

@needs_dask
def test_bad_json_lines_fail_alone_with_their_line_numbers(client, tmp_path: Path) -> None:
    records = make_records(120)
    src = tmp_path / "mixed.jsonl"
    bad = {5: "{not json", 61: json.dumps({"id": "no-text", "title": "x"}), 62: "", 98: "[1, 2]",
           110: '{"id": "cut", "text": "Data Eng', 115: json.dumps({"id": "bin", "html": "\x00\x01\x02" * 40})}
    write_jsonl(src, records, bad)
    expected = local_output(src, tmp_path / "local")
    # small blocks: the bad lines fall in later blocks, so their numbers must be made absolute
    summary, err = run(client, [src], tmp_path / "dask", blocksize=64 * 1024)
    assert summary.partitions >= 5
    assert dask_lines(tmp_path / "dask") == expected  # every good record, unchanged
    assert summary.cleaned == 120 and summary.errors == 5
    errs = errors_of(tmp_path / "dask")
    assert [(e["line"], e["record"]) for e in errs] == [(5, 5), (61, 61), (98, 97), (110, 109), (115, 114)]
    assert errs[0]["reason"].startswith("not JSON") and errs[3]["reason"].startswith("not JSON")
    assert "record has no text" in errs[1]["reason"] and errs[1]["id"] == "no-text"
    assert "not an object" in errs[2]["reason"]
    assert "binary data" in errs[4]["reason"] and errs[4]["id"] == "bin"
    assert f"{src}:61: record 61: record has no text" in err
    assert "120 records cleaned, 5 failed" in err


@needs_dask
def test_deeply_nested_line_is_one_bad_record_not_a_lost_block(client, tmp_path: Path) -> None:
    # issue 10, item 4: json.loads raises RecursionError at 100,000 levels
    records = make_records(30)
    src = tmp_path / "deep.jsonl"
    write_jsonl(src, records, {7: '{"id": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"})
    summary, err = run(client, [src], tmp_path / "dask")
    assert summary.cleaned == 30 and summary.errors == 1
    assert dask_lines(tmp_path / "dask") == local_output(src, tmp_path / "local")
    (e,) = errors_of(tmp_path / "dask")
    assert e["line"] == 7 and "nested too deeply" in e["reason"]


@needs_dask
def test_corrupt_parquet_file_is_reported_and_the_others_cleaned(client, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = make_records(50)
    keys = {k for r in records for k in r}
    for r in records:
        r["salary"] = str(r["salary"])  # one Arrow type per column
        r.update({k: None for k in keys - r.keys()})  # from_pylist takes its columns from row 1
    table = pa.Table.from_pylist(records)
    (tmp_path / "in").mkdir()
    pq.write_table(table, tmp_path / "in" / "a.parquet", row_group_size=20)
    good = (tmp_path / "in" / "a.parquet").read_bytes()
    (tmp_path / "in" / "b.parquet").write_bytes(good[: len(good) // 2])  # truncated: no footer
    (tmp_path / "in" / "c.parquet").write_bytes(b"PAR1 this is not parquet")
    write_jsonl(tmp_path / "same.jsonl", [table.slice(i, 1).to_pylist()[0] for i in range(50)])
    expected = [json.loads(line) for line in local_output(tmp_path / "same.jsonl", tmp_path / "local")]

    summary, err = run(client, [tmp_path / "in" / "*.parquet"], tmp_path / "dask")
    assert summary.partitions == 3  # three row groups of the good file
    got = [json.loads(line) for line in dask_lines(tmp_path / "dask")]
    assert [g["cleaned_text"] for g in got] == [e["cleaned_text"] for e in expected]
    assert [g["jdreview"] for g in got] == [e["jdreview"] for e in expected]
    errs = errors_of(tmp_path / "dask")
    assert sorted(Path(e["source"]).name for e in errs) == ["b.parquet", "c.parquet"]
    assert all(e["reason"].startswith("not a readable Parquet file") for e in errs)
    assert all("\n" not in e["reason"] for e in errs)
    assert "50 records cleaned, 2 failed" in err


@needs_dask
def test_csv_without_text_column_is_one_error_and_other_csv_is_cleaned(client, tmp_path: Path) -> None:
    good = tmp_path / "jobs.csv"
    with good.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["id", "title", "description", "job_url"])
        w.writeheader()
        for r in make_records(30):
            w.writerow({"id": r["id"], "title": r["title"], "job_url": "https://www.indeed.com/x",
                        "description": r.get("text") or r.get("description") or r["html"]})
    bad = tmp_path / "no_text.csv"
    bad.write_text("id,title\n1,Engineer\n", "utf-8")
    expected = local_output(good, tmp_path / "local")
    summary, err = run(client, [good, bad], tmp_path / "dask", progress="always")
    assert dask_lines(tmp_path / "dask") == expected
    assert "\r[" in err and "2/2 partitions, 30 records, 1 failed" in err  # the progress bar
    errs = errors_of(tmp_path / "dask")
    assert len(errs) == 1 and errs[0]["source"] == str(bad) and errs[0]["line"] == 1
    assert "CSV has no text column" in errs[0]["reason"]
    assert "30 records cleaned, 1 failed" in err


@needs_dask
def test_worker_refuses_a_cleaner_other_than_the_clients(tmp_path: Path) -> None:
    from dataclasses import replace

    from jdreview.engines.dask_engine import CleanerSpec, worker_cleaner

    rules = tmp_path / "r.toml"
    rules.write_text('schema = 1\n[[rule]]\nid = "x"\nkind = "exact"\npattern = "apply now"\n'
                     'action = "drop"\n', "utf-8")
    spec, cleaner = CleanerSpec.from_options({**OPTIONS, "rule_files": [str(rules)]})
    rules.unlink()  # the worker rebuilds from the contents, not the client's path
    assert worker_cleaner(spec).rules.version == cleaner.rules.version
    assert worker_cleaner(spec).rules.get("x") is not None
    with pytest.raises(RuntimeError, match="install the same jdreview on the workers"):
        worker_cleaner(replace(spec, rules_version="0" * 12))


@needs_dask
def test_scheduler_address_connects_to_that_cluster(client, tmp_path: Path) -> None:
    from jdreview.engines.dask_engine import run_dask_clean

    (tmp_path / "in").mkdir()
    for name, recs in (("a.jsonl", make_records(8)), ("b.jsonl", make_records(5))):
        write_jsonl(tmp_path / "in" / name, recs)
    err = io.StringIO()
    code = run_dask_clean([f"file://{tmp_path}/in/*.jsonl"], f"file://{tmp_path}/out", OPTIONS,
                          scheduler=client.scheduler.address, progress="never", stderr=err)
    assert code == 0, err.getvalue()
    assert "13 records cleaned, 0 failed, from 2 input file(s)" in err.getvalue()
    assert "on 2 worker(s)" in err.getvalue()  # the fixture's cluster, not a new one
    expected = (local_output(tmp_path / "in" / "a.jsonl", tmp_path / "la")
                + local_output(tmp_path / "in" / "b.jsonl", tmp_path / "lb"))
    assert dask_lines(tmp_path / "out") == expected
    assert client.scheduler_info()["workers"]  # our cluster is still up after the command


# ---------------------------------------------------------------- the command line

@needs_dask
def test_cli_dask_engine_runs_a_local_cluster(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, make_records(10), {4: "not json at all"})
    proc = subprocess.run([sys.executable, "-m", "jdreview", "clean", "--engine", "dask", "--workers", "1",
                           "--format", "parquet", str(src), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr  # one record failed, the others were written
    assert f"{src}:4: record 4: not JSON" in proc.stderr
    assert "10 records cleaned, 1 failed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list((tmp_path / "out").glob("part-*.parquet"))


def test_without_dask_the_engine_says_how_to_install_it(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, make_records(2))
    code = ("import sys\n"
            "for m in ('dask', 'distributed'): sys.modules[m] = None  # as if not installed\n"
            "from jdreview.cli import main\n"
            f"sys.exit(main(['clean', '--engine', 'dask', {str(src)!r}, '-o', {str(tmp_path / 'o')!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert "pip install 'jdreview[dask]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


@needs_dask
def test_the_whole_filter_config_reaches_the_worker() -> None:
    """Not only the threshold: segments and structure switches travel in the spec and change
    the spec's token, so a worker never reuses a cleaner built for another configuration."""
    from jdreview.engines.dask_engine import CleanerSpec, worker_cleaner
    from jdreview.filter.decision import FilterConfig

    config = FilterConfig(threshold=0.7, segments=False, structure=False)
    spec, cleaner = CleanerSpec.from_options({**OPTIONS, "config": config})
    assert cleaner.config == config
    assert worker_cleaner(spec).config == config
    plain, _ = CleanerSpec.from_options(dict(OPTIONS))
    assert plain.token != spec.token and worker_cleaner(plain).config.segments is True
