"""Issue 10 item 7: a per-posting time budget fails one posting with a clear message
instead of stalling a batch (no timing here: a budget no posting can meet)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jdreview.engines.local import Cleaner
from jdreview.errors import InputError
from jdreview.filter.decision import FilterConfig
from jdreview.filter.pipeline import FilterTimeout, auto_filter
from jdreview.filter.rules import default_rules
from jdreview.io.posting import Posting

POSTING = "Data Engineer\nAcme\nApply\n" + "You build pipelines in Python and SQL every day for us.\n" * 40


def test_a_posting_over_its_budget_fails_with_a_message_naming_the_budget() -> None:
    p = Posting.from_text(POSTING, source="slow.txt")
    with pytest.raises(FilterTimeout) as e:
        auto_filter(p, default_rules(), None, FilterConfig(time_budget=1e-9))
    assert isinstance(e.value, InputError)
    assert str(e.value).startswith("slow.txt: filtering took longer than its time budget of 1e-09 s")


def test_no_budget_and_the_default_budget_let_the_posting_through() -> None:
    p = Posting.from_text(POSTING)
    a = auto_filter(p, default_rules(), None, FilterConfig(time_budget=0))
    b = auto_filter(p, default_rules(), None)
    assert a.cleaned_text() == b.cleaned_text() and "You build pipelines" in a.cleaned_text()


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(InputError, match="time-budget"):
        Cleaner.create(time_budget=-1.0)


def test_a_batch_goes_on_past_postings_over_budget(tmp_path: Path) -> None:
    src = tmp_path / "jobs.jsonl"
    src.write_text("".join(json.dumps({"id": str(k), "text": POSTING}) + "\n" for k in range(3)),
                   encoding="utf-8")
    (tmp_path / "one.txt").write_text(POSTING, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "jdreview", "clean", str(src), str(tmp_path / "one.txt"),
                           "-o", str(tmp_path / "out"), "--time-budget", "1e-9"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    errors = [x for x in proc.stderr.splitlines() if "time budget" in x]
    assert len(errors) == 4  # each posting its own line, none stalls the rest
    assert any("record 3" in x for x in errors) and any("one.txt" in x for x in errors)
    records = [json.loads(x) for x in (tmp_path / "out" / "jobs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["0", "1", "2"]
    assert all("time budget" in r["jdreview"]["error"] for r in records)
