"""Bad input: each gets one line on standard error naming the file (and line or record),
no traceback, and nothing else in the batch is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jdreview.engines.local import RUN_LOG

GOOD = "Data Engineer\nApply\nYou build pipelines in Python and SQL.\n"


def clean(tmp_path: Path, *names: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jdreview", "clean", *names, "-o", "out",
                           "--no-classifier", *extra],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def check_one_failure(tmp_path: Path, bad: str, where: str | None = None, *,
                      exit_code: int = 1) -> str:
    """Clean good files around ``bad``; assert one stderr line naming it and both goods written."""
    (tmp_path / "before.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "zafter.txt").write_text(GOOD, encoding="utf-8")
    p = clean(tmp_path, "before.txt", bad, "zafter.txt")
    assert "Traceback" not in p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    prefix = f"{bad}:{where}" if where else f"{bad}:"
    assert prefix in lines[0], lines[0]
    assert p.returncode == exit_code
    out = tmp_path / "out"
    for name in ("before.txt", "zafter.txt"):
        assert (out / name).read_text(encoding="utf-8") == "Data Engineer\nYou build pipelines in Python and SQL.\n"
    return lines[0]


@pytest.mark.parametrize("name,data,words", [
    ("scan.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00\x01\x02" * 50, "a PDF"),
    ("photo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20, "a PNG image"),
    ("blob.md", bytes(range(256)) * 40, "binary file"),
])
def test_binary_file(tmp_path: Path, name: str, data: bytes, words: str) -> None:
    (tmp_path / name).write_bytes(data)
    line = check_one_failure(tmp_path, name)
    assert words in line


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n", "\ufeff".encode()])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "empty.txt").write_bytes(data)
    line = check_one_failure(tmp_path, "empty.txt")
    assert "empty" in line or "no text" in line


def test_50_mb_file(tmp_path: Path) -> None:
    with open(tmp_path / "huge.txt", "wb") as f:
        chunk = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" * 18000
        while f.tell() < 50 * 1024 * 1024:
            f.write(chunk)
    line = check_one_failure(tmp_path, "huge.txt")
    assert "too large" in line


def test_undecodable_bytes(tmp_path: Path) -> None:
    # mostly UTF-8, one byte that no UTF-8 text holds: cleaned with U+FFFD, a warning names
    # the line (issue 10: a few bad bytes no longer lose the whole posting)
    (tmp_path / "broken.txt").write_bytes("Zürich office\nGehalt: 50.000 €\n".encode() + b"bad \xff byte\n")
    p = clean(tmp_path, "broken.txt")
    assert p.returncode == 0 and "broken.txt:3: warning" in p.stderr and "0xff" in p.stderr, p.stderr
    assert "bad \ufffd byte" in (tmp_path / "out" / "broken.txt").read_text(encoding="utf-8")
    (tmp_path / "junk.txt").write_bytes("Zürich office\n".encode() + b"\xff" * 40 + b"\n")
    line = check_one_failure(tmp_path, "junk.txt", "2")  # too many: still refused, with the line
    assert "0xff" in line


def test_stray_nul_bytes_are_not_binary(tmp_path: Path) -> None:
    (tmp_path / "nul.txt").write_bytes(b"Data Engineer\x00\nYou build pipelines.\n")
    (tmp_path / "ok.txt").write_text(GOOD, encoding="utf-8")
    p = clean(tmp_path, "nul.txt", "ok.txt")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out" / "nul.txt").read_text(encoding="utf-8") == "Data Engineer\nYou build pipelines.\n"


def test_truncated_html_is_cleaned_with_a_one_line_warning(tmp_path: Path) -> None:
    (tmp_path / "cut.html").write_text("<!doctype html><html><head><title>t</title></head><body>"
                                       "<h1>Engineer</h1><p>Build things and more", encoding="utf-8")
    line = check_one_failure(tmp_path, "cut.html", exit_code=0)
    assert "truncated" in line
    assert (tmp_path / "out" / "cut.txt").read_text(encoding="utf-8") == "Engineer\nBuild things and more\n"


@pytest.mark.parametrize("html,expect", [
    ("<html><body><p>Job <b>title</p></b><div><<>><span>Text</div></table></td>&&&&;<p>Last</body>",
     ["Job title", "<<>>Text", "&&&&;", "Last"]),
    ("<p>Unclosed <i>italic<p>Next <a href='x>broken attr</a><p>Third", None),
    ("<html><body>" + "<div>" * 5000 + "Deep text" + "</body></html>", ["Deep text"]),
    ("</p></div><p>Stray closers first</p>", ["Stray closers first"]),
])
def test_malformed_html_is_cleaned_as_far_as_it_goes(tmp_path: Path, html: str, expect: list[str] | None) -> None:
    (tmp_path / "bad.html").write_text(html, encoding="utf-8")
    (tmp_path / "ok.txt").write_text(GOOD, encoding="utf-8")
    p = clean(tmp_path, "bad.html", "ok.txt")
    assert "Traceback" not in p.stderr
    assert p.returncode == 0, p.stderr
    out = (tmp_path / "out" / "bad.txt").read_text(encoding="utf-8")
    assert out.strip()
    if expect is not None:
        assert out.splitlines() == expect
    assert (tmp_path / "out" / "ok.txt").exists()


def test_html_with_nothing_visible(tmp_path: Path) -> None:
    (tmp_path / "hidden.html").write_text("<html><body><div hidden><p>x</p></div><script>y()</script>"
                                          "</body></html>", encoding="utf-8")
    line = check_one_failure(tmp_path, "hidden.html")
    assert "no text" in line


def test_csv_with_a_missing_text_column(tmp_path: Path) -> None:
    (tmp_path / "jobs.csv").write_text("id,title,company\n1,Engineer,Acme\n", encoding="utf-8")
    line = check_one_failure(tmp_path, "jobs.csv", "1")
    assert "text column" in line
    assert not (tmp_path / "out" / "jobs.jsonl").exists()
    assert not [n for n in os.listdir(tmp_path / "out") if n.endswith(".tmp")]


def test_csv_row_with_an_empty_text_cell(tmp_path: Path) -> None:
    (tmp_path / "jobs.csv").write_text(
        'id,title,description\n1,Engineer,"' + GOOD + '"\n2,Empty,\n3,Analyst,"Analyst\nSQL."\n',
        encoding="utf-8")
    p = clean(tmp_path, "jobs.csv")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    (line,) = p.stderr.splitlines()
    assert line.startswith("jdreview: error: jobs.csv:") and "record 2" in line
    rows = [json.loads(x) for x in (tmp_path / "out" / "jobs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["cleaned_text"] == "Data Engineer\nYou build pipelines in Python and SQL.\n"
    assert "error" in rows[1]["jdreview"] and "cleaned_text" not in rows[1]
    assert rows[2]["cleaned_text"] == "Analyst\nSQL.\n"


def test_jsonl_with_bad_records(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "a", "text": GOOD}), "{oops", json.dumps(["not", "an", "object"]),
             json.dumps({"id": "d", "text": "\x00\x01\x02\x03" * 100}), json.dumps({"id": "e", "text": GOOD})]
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = clean(tmp_path, "b.jsonl")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    errs = p.stderr.splitlines()
    assert len(errs) == 3
    assert errs[0].startswith("jdreview: error: b.jsonl:2:")
    assert errs[1].startswith("jdreview: error: b.jsonl:3:") and "record 3" in errs[1]
    assert errs[2].startswith("jdreview: error: b.jsonl:4:") and "record 4" in errs[2]
    rows = [json.loads(x) for x in (tmp_path / "out" / "b.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5
    assert rows[0]["cleaned_text"] == rows[4]["cleaned_text"] != ""


def test_json_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('[{"text": "x"},\n{oops}\n]', encoding="utf-8")
    line = check_one_failure(tmp_path, "b.json", "2")
    assert "not JSON" in line


def test_broken_rule_file(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "mine.toml").write_text('schema = 1\n\n[[rule]]\nid = "x"\nkind = "regex"\n'
                                        "pattern = '(unclosed'\n", encoding="utf-8")
    p = clean(tmp_path, "ok.txt", extra=("--rules", "mine.toml"))
    assert p.returncode != 0 and "Traceback" not in p.stderr
    (line,) = p.stderr.splitlines()
    assert "mine.toml:6:" in line and "bad regex" in line
    # nothing was cleaned with a rule set the user did not ask for
    assert not (tmp_path / "out" / "ok.txt").exists()


@pytest.mark.parametrize("text", ["[[rule]\nid = 1\n", "schema = 1\n[[rule]]\nid = 'a'\nkind = 'exact'\n"
                                  "pattern = ['x']\nwhen = 'now'\n"])
def test_rule_file_errors_name_the_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "ok.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "r.toml").write_text(text, encoding="utf-8")
    p = clean(tmp_path, "ok.txt", extra=("--rules", "r.toml"))
    assert "Traceback" not in p.stderr
    (line,) = p.stderr.splitlines()
    assert line.startswith("jdreview: error: r.toml:")
    assert line.split(":")[3].strip().isdigit()


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    (tmp_path / "locked.txt").write_text(GOOD, encoding="utf-8")
    os.chmod(tmp_path / "locked.txt", 0)
    line = check_one_failure(tmp_path, "locked.txt")
    assert "ermission" in line


def test_catastrophic_user_regex_does_not_stop_the_batch(tmp_path: Path) -> None:
    (tmp_path / "slow.toml").write_text("[[rule]]\nid = \"slow\"\nkind = \"regex\"\npattern = '(a+)+$'\n",
                                        encoding="utf-8")
    d = tmp_path / "in"
    d.mkdir()
    for i in range(5):
        (d / f"p{i}.txt").write_text("Engineer\n" + "a" * (20000 + i) + "b\nBody.\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "jdreview", "clean", "in", "-o", "out", "--rules", "slow.toml"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert len([n for n in os.listdir(tmp_path / "out") if n != RUN_LOG]) == 5
    # linear time (RE2): no line runs out of time, so there is nothing to warn about,
    # and each line gets the pattern's true answer (no match: the line ends in "b")
    assert "time limit" not in p.stderr and "Traceback" not in p.stderr
    for i in range(5):
        assert "a" * (20000 + i) + "b" in (tmp_path / "out" / f"p{i}.txt").read_text(encoding="utf-8")
