"""The command line as a subprocess: outputs, stdin/stdout, --explain, --rules, exit codes,
eval, and the progress bar."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jdreview.engines.local import RUN_LOG, Cleaner
from jdreview.io.inputs import load_posting

SAMPLES = Path(__file__).parents[1] / "assets" / "samples"
POSTING = "Data Engineer\nAcme GmbH · Berlin\nApply\nSave\n\nYou build pipelines in Python.\n"
HTML = ("<html><head><title>x</title></head><body><h1>ML Engineer</h1><button>Apply</button>"
        "<p>Train <b>models</b> daily.</p></body></html>")


def run(*args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "jdreview", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=300, env=env)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8"),
                                       proc.stderr.decode("utf-8"))


def api_clean(path: Path, **kw: object) -> str:
    return Cleaner.create(**kw).clean(load_posting(str(path))).cleaned_text()  # type: ignore[arg-type]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "one.txt").write_text(POSTING, encoding="utf-8")
    (d / "sub" / "two.md").write_text("Analyst\nShare\nSQL every day.\n", encoding="utf-8")
    (d / "page.html").write_text(HTML, encoding="utf-8")
    (d / "notes.pdf").write_bytes(b"%PDF-1.4 not a posting")  # not a posting suffix: skipped
    return d


def test_clean_files_and_folders(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    p = run("clean", str(inputs), "-o", str(out), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert sorted(n for n in os.listdir(out) if n != RUN_LOG) == ["one.txt", "page.txt", "two.txt"]
    for name, src in (("one.txt", inputs / "one.txt"), ("two.txt", inputs / "sub" / "two.md"),
                      ("page.txt", inputs / "page.html")):
        assert (out / name).read_text(encoding="utf-8") == api_clean(src)
    one = (out / "one.txt").read_text(encoding="utf-8")
    assert "Apply" not in one.split("\n") and "Save" not in one.split("\n")
    assert "Apply" not in (out / "page.txt").read_text(encoding="utf-8").split("\n")


def test_clean_single_file_and_same_stems(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "job.txt").write_text("First\nBody one.\n", encoding="utf-8")
    (tmp_path / "b" / "job.txt").write_text("Second\nBody two.\n", encoding="utf-8")
    p = run("clean", "a/job.txt", "b/job.txt", "-o", "out", "--no-classifier", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out" / "job.txt").read_text(encoding="utf-8") == "First\nBody one.\n"
    assert (tmp_path / "out" / "job-2.txt").read_text(encoding="utf-8") == "Second\nBody two.\n"


def test_clean_batch_files_write_jsonl(tmp_path: Path) -> None:
    recs = [{"id": "r1", "title": "Data Engineer", "text": POSTING},
            {"id": "r2", "description": HTML, "site": "linkedin"}]
    (tmp_path / "jobs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    (tmp_path / "jobs2.json").write_text(json.dumps(recs), encoding="utf-8")
    (tmp_path / "jobspy.csv").write_text(
        "id,site,job_url,title,company,location,description\n"
        'li-1,linkedin,https://www.linkedin.com/jobs/view/1,Data Engineer,Acme,Berlin,"'
        + POSTING.replace('"', '""') + '"\n', encoding="utf-8")
    p = run("clean", "jobs.jsonl", "jobs2.json", "jobspy.csv", "-o", "out", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert sorted(n for n in os.listdir(tmp_path / "out") if n != RUN_LOG) == ["jobs.jsonl", "jobs2.jsonl", "jobspy.jsonl"]
    cleaner = Cleaner.create()
    for name in ("jobs.jsonl", "jobs2.jsonl"):
        rows = [json.loads(x) for x in (tmp_path / "out" / name).read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in rows] == ["r1", "r2"]
        assert rows[0]["title"] == "Data Engineer"  # the record's own fields are kept
        assert "Apply" not in rows[0]["cleaned_text"].split("\n")
        assert "You build pipelines in Python." in rows[0]["text"]
        assert rows[0]["jdreview"]["rules_version"] == cleaner.rules.version
        assert rows[1]["jdreview"]["site"] == "linkedin"
    (row,) = [json.loads(x) for x in (tmp_path / "out" / "jobspy.jsonl").read_text(encoding="utf-8").splitlines()]
    assert row["location"] == "Berlin" and row["job_url"].endswith("/1")
    assert row["cleaned_text"] and "Apply" not in row["cleaned_text"].split("\n")


def test_stdin_to_stdout(tmp_path: Path) -> None:
    p = run("clean", "-", "--no-classifier", cwd=tmp_path, stdin=POSTING.encode("utf-8"))
    assert p.returncode == 0, p.stderr
    assert p.stdout == "Data Engineer\nAcme GmbH · Berlin\n\nYou build pipelines in Python.\n"
    assert not list(tmp_path.iterdir())  # nothing written to disk


def test_stdin_utf16_and_html(tmp_path: Path) -> None:
    data = "\ufeffRole\r\nApply\r\n".encode("utf-16-le")
    p = run("clean", "-", "--no-classifier", cwd=tmp_path, stdin=data)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "Role\n"
    p = run("clean", "-", "--no-classifier", cwd=tmp_path, stdin=HTML.encode())
    assert p.stdout == "ML Engineer\nTrain models daily.\n"


def test_explain(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(POSTING, encoding="utf-8")
    p = run("clean", "-", "--explain", "--no-classifier", cwd=tmp_path, stdin=POSTING.encode())
    assert p.returncode == 0, p.stderr
    rows = p.stdout.splitlines()
    assert len(rows) == 5  # every non-blank line is a unit
    assert rows[2].split()[:3] == ["3", "DROP", "rule:button"] and rows[2].endswith("Apply")
    assert rows[4].split()[:3] == ["6", "KEEP", "default"]
    p = run("clean", "one.txt", "-o", "out", "--explain", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    explained = (tmp_path / "out" / "one.explain.txt").read_text(encoding="utf-8").splitlines()
    assert len(explained) == 5 and all((" KEEP " in r) != (" DROP " in r) for r in explained)
    assert (tmp_path / "out" / "one.txt").exists()


def test_explain_in_batch_records(tmp_path: Path) -> None:
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "1", "text": POSTING}) + "\n", encoding="utf-8")
    p = run("clean", "b.jsonl", "-o", "out", "--explain", "--no-classifier", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    row = json.loads((tmp_path / "out" / "b.jsonl").read_text(encoding="utf-8"))
    units = row["jdreview"]["units"]
    assert [u["line"] for u in units] == [1, 2, 3, 4, 6]
    assert units[2] == {"line": 3, "segment": None, "keep": False, "reason": "rule:button", "text": "Apply"}


def test_user_rules_file(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(POSTING, encoding="utf-8")
    (tmp_path / "mine.toml").write_text(
        'schema = 1\n[[rule]]\nid = "berlin"\nkind = "regex"\npattern = "berlin$"\n\n'
        '[[rule]]\nid = "button"\nkind = "exact"\npattern = ["apply"]\nenabled = false\n',
        encoding="utf-8")
    p = run("clean", "one.txt", "-o", "out", "--rules", "mine.toml", "--no-classifier", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = (tmp_path / "out" / "one.txt").read_text(encoding="utf-8")
    assert "Acme GmbH · Berlin" not in out  # the user's drop rule
    # the user's "button" replaced the shipped rule of that id, and switched it off
    assert "Apply" in out.split("\n") and "Save" in out.split("\n")


def test_some_inputs_fail_exit_1_and_the_rest_are_written(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(POSTING, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (tmp_path / "late.md").write_text("Analyst\nSQL.\n", encoding="utf-8")
    p = run("clean", "good.txt", "empty.txt", "missing.txt", "bin.txt", "late.md", "-o", "out",
            cwd=tmp_path)
    assert p.returncode == 1
    errors = p.stderr.splitlines()
    assert len(errors) == 3
    for name, err in zip(("empty.txt", "missing.txt", "bin.txt"), errors, strict=True):
        assert err.startswith(f"jdreview: error: {name}:")
    assert sorted(n for n in os.listdir(tmp_path / "out") if n != RUN_LOG) == ["good.txt", "late.txt"]


@pytest.mark.parametrize("args", [
    [],
    ["clean", "x.txt"],
    ["clean"],
    ["clean", "x.txt", "-o", "out", "--no-such-option"],
    ["clean", "x.txt", "-o", "out", "--threshold", "high"],
    ["frobnicate"],
    ["eval"],
])
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    p = run(*args, cwd=tmp_path)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()


def test_output_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(POSTING, encoding="utf-8")
    (tmp_path / "out").write_text("I am a file", encoding="utf-8")
    p = run("clean", "one.txt", "-o", "out", cwd=tmp_path)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [p.stderr.strip()] and "out" in p.stderr


def test_version(tmp_path: Path) -> None:
    p = run("--version", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.startswith("jdreview ")


# --------------------------------------------------------------------------- eval


def test_eval_table_and_json_with_gold_folder(tmp_path: Path) -> None:
    seeds = SAMPLES / "seeds"
    gold = SAMPLES / "gold"
    p = run("eval", "--gold", str(gold), str(seeds), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["posting", "P", "R", "F1", "toggles"]
    assert [x.split()[0] for x in lines[1:4]] == sorted(s.stem for s in seeds.glob("*.txt"))
    assert lines[-1].startswith("mean of 3")
    q = run("eval", "--gold", str(gold), str(seeds), "--json", cwd=tmp_path)
    assert q.returncode == 0, q.stderr
    report = json.loads(q.stdout)
    assert report["postings"] == 3 and report["errors"] == []
    for row in report["rows"]:
        assert 0.9 <= row["f1"] <= 1.0 and row["toggles"] is not None
    mean_f1 = sum(r["f1"] for r in report["rows"]) / 3
    assert abs(report["mean"]["f1"] - mean_f1) < 1e-12
    assert f"{report['mean']['f1']:.3f}" in lines[-1]


def test_eval_pair_file_uses_its_own_gold(tmp_path: Path) -> None:
    p = run("eval", str(SAMPLES / "seeds" / "002_857223e5a1dd0063.txt"), "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    (row,) = json.loads(p.stdout)["rows"]
    assert row["f1"] > 0.95


def test_eval_without_gold_is_a_named_failure(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(POSTING, encoding="utf-8")
    p = run("eval", "a.txt", cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.startswith("jdreview: error: a.txt:") and "gold" in p.stderr


def test_eval_perfect_gold_scores_one(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "gold").mkdir()
    (tmp_path / "in" / "a.txt").write_text(POSTING, encoding="utf-8")
    (tmp_path / "gold" / "a.txt").write_text(api_clean(tmp_path / "in" / "a.txt"), encoding="utf-8")
    p = run("eval", "--gold", "gold", "in", "--json", cwd=tmp_path)
    (row,) = json.loads(p.stdout)["rows"]
    assert (row["p"], row["r"], row["f1"], row["toggles"]) == (1.0, 1.0, 1.0, 0)


# --------------------------------------------------------------------------- progress


def test_progress_bar_on_a_long_batch(tmp_path: Path) -> None:
    d = tmp_path / "many"
    d.mkdir()
    body = (SAMPLES / "seeds" / "000_fcb54d560c610b22.txt").read_text(encoding="utf-8")
    for i in range(400):
        (d / f"p{i:04d}.txt").write_text(body, encoding="utf-8")
    p = run("clean", "many", "-o", "out", "--progress", "always", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert len([n for n in os.listdir(tmp_path / "out") if n != RUN_LOG]) == 400
    assert "\rjdreview: " in p.stderr
    assert p.stderr.rstrip("\n").rsplit("\r", 1)[-1].startswith("jdreview: 400 postings in ")
    q = run("clean", "many", "-o", "out2", "--progress", "never", cwd=tmp_path)
    assert q.returncode == 0 and q.stderr == ""


def test_run_log_records_the_versions_that_made_each_output(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Data Engineer\nApply\nWe build pipelines in Python and SQL.\n",
                                    encoding="utf-8")
    (tmp_path / "rules.toml").write_text(
        "[[rule]]\nid = \"mine\"\nkind = \"exact\"\npattern = \"data engineer\"\naction = \"drop\"\n",
        encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "jdreview", "clean", "a.txt", "-o", "out",
                        "--rules", "rules.toml"], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    records = [json.loads(x) for x in (tmp_path / "out" / RUN_LOG).read_text().splitlines()]
    header, entry, footer = records
    from jdreview.engines.local import Cleaner

    expected = Cleaner.create(rule_files=[str(tmp_path / "rules.toml")])
    assert header["rules_version"] == expected.rules.version
    assert header["classifier_version"] == expected.classifier_version
    assert header["rule_files"] == ["rules.toml"]
    from jdreview.io.inputs import load_posting

    result = expected.clean(load_posting(str(tmp_path / "a.txt")))
    assert entry["output"] == "a.txt" and entry["input"] == "a.txt"
    assert (entry["kept_units"], entry["dropped_units"]) == (result.kept, result.dropped)
    assert result.dropped >= 2  # the user rule and the Apply button
    assert footer == {"postings": 1, "records": 0, "failures": 0}
