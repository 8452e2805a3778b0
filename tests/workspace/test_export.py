"""Export: cleaned text identical to the session's preview, labels validated on read."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jdreview.engines.local import Cleaner
from jdreview.errors import InputError
from jdreview.workspace.export import (
    LABEL_SCHEMA,
    export_workspace,
    read_labels,
    record_checksum,
    validate_label,
)
from jdreview.workspace.session import open_session
from jdreview.workspace.store import Workspace

TEXT = "Data Engineer\nApply\n\nYou build pipelines. You like SQL.\n"


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "rec-1", "text": "Hello\nSave\n"}) + "\n")
    ws = Workspace.open(str(tmp_path / "ws"))
    ws.add_paths([str(tmp_path / "a.txt"), str(tmp_path / "b.jsonl")])
    yield ws
    ws.close()


def test_export_writes_cleaned_text_and_labels(ws, tmp_path):
    cleaner = Cleaner.create()
    a, b = ws.ids()
    s = open_session(ws, cleaner, a, "ann")
    s.apply(s.set_label([(0, None)], False))
    s.apply(s.split_or_join(3))
    s.apply(s.set_label([(3, 0)], True))
    s.apply(s.set_label([(3, 1)], False))
    ws.set_status(a, "reviewed", "ann")
    ws.add_time(a, 12.5)
    out = tmp_path / "out"
    summary = export_workspace(ws, cleaner, str(out))
    assert summary.postings == 2 and not summary.errors
    assert (out / "cleaned" / "a.txt").read_text() == s.cleaned_text() == "You build pipelines.\n"
    assert (out / "cleaned" / "b-1.txt").exists()
    labels = list(read_labels(str(out / "labels.jsonl")))
    assert len(labels) == summary.labels
    first = next(r for r in labels if r["source"].endswith("a.txt") and r["line"] == 0)
    assert first["schema"] == LABEL_SCHEMA and first["label"] is False and first["changed"] is True
    assert first["auto"]["keep"] is True and first["auto"]["reason"]  # a title: kept by the filter
    assert first["reviewer"] == "ann" and first["time_spent"] == 12.5
    assert first["posting_hash"] == s.posting.content_hash
    segs = [r for r in labels if r["source"].endswith("a.txt") and r["line"] == 3]
    assert [(r["segment"], r["label"]) for r in segs] == [(0, True), (1, False)]
    rec = next(r for r in labels if r["posting_id"] == "rec-1")
    assert rec["reviewer"] == "" and rec["status"] == "new"


def test_reviewed_only(ws, tmp_path):
    cleaner = Cleaner.create()
    ws.set_status(ws.ids()[1], "reviewed")
    summary = export_workspace(ws, cleaner, str(tmp_path / "out"), reviewed_only=True)
    assert summary.postings == 1
    assert {r["posting_id"] for r in read_labels(str(tmp_path / "out" / "labels.jsonl"))} == {"rec-1"}


@pytest.mark.parametrize("bad, message", [
    ('{"schema": 99}', "newer"),
    ('[1, 2]', "not a JSON object"),
    ('{"schema": 1, "kind": "label"}', "lacks"),
    ('not json', "not JSON"),
])
def test_bad_labels_are_refused_with_file_and_line(tmp_path, bad, message):
    good = {"schema": 1, "kind": "label", "posting_id": "p", "posting_hash": "h", "source": "s",
            "line": 0, "segment": None, "text": "x", "auto": {"keep": True, "source": "default"},
            "label": True, "changed": False}
    good["checksum"] = record_checksum(good)  # every exported record carries one (issue 10)
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(good) + "\n" + bad + "\n")
    with pytest.raises(InputError, match=message) as e:
        list(read_labels(str(path)))
    assert str(e.value).startswith(f"{path}:2")


def test_wrong_types_are_refused():
    rec = {"schema": 1, "kind": "label", "posting_id": "p", "posting_hash": "h", "source": "s",
           "line": "0", "text": "x", "auto": {"keep": True, "source": "d"}, "label": True, "changed": False}
    with pytest.raises(InputError, match="'line'"):
        validate_label(rec, "x")


def test_export_command_line(ws, tmp_path):
    out = tmp_path / "cli-out"
    r = subprocess.run([sys.executable, "-m", "jdreview", "export", "--workspace", ws.directory, "-o", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (out / "labels.jsonl").exists() and (out / "cleaned" / "a.txt").exists()
    assert "2 postings" in r.stderr + r.stdout
    r = subprocess.run([sys.executable, "-m", "jdreview", "export", "--workspace", str(tmp_path / "nope"),
                        "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "no workspace" in r.stderr and "Traceback" not in r.stderr
    assert not os.path.exists(tmp_path / "nope")


def test_export_job_runs_in_a_thread_and_reports_errors(ws, tmp_path):
    from jdreview.workspace.export import ExportJob

    cleaner = Cleaner.create()
    job = ExportJob(ws.directory, cleaner, str(tmp_path / "out"))
    job.start()
    assert job.wait(60) and job.error is None
    assert job.summary is not None and job.summary.postings == job.count == 2
    assert len(list(read_labels(str(tmp_path / "out" / "labels.jsonl")))) == job.summary.labels
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad = ExportJob(ws.directory, cleaner, str(blocker))
    bad.start()
    assert bad.wait(60) and bad.summary is None and bad.error and "a-file" in bad.error
