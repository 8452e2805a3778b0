"""The workspace under two writers: edit counters, refused stale writes, removal and
restore, stored loader warnings, and statuses of postings that could not be read."""

from __future__ import annotations

import sqlite3

import pytest

from jdreview.errors import InputError
from jdreview.workspace.store import EditConflict, Workspace


@pytest.fixture
def two(tmp_path):
    (tmp_path / "a.txt").write_text("Data Engineer\nApply now\nSQL.\n")
    a = Workspace.open(str(tmp_path / "ws"))
    a.add_paths([str(tmp_path / "a.txt")])
    b = Workspace.open(str(tmp_path / "ws"))
    yield a, b, a.ids()[0]
    a.close()
    b.close()


def test_a_write_made_on_stale_counters_is_refused(two):
    a, b, pid = two
    seen = a.edit_revs(pid)
    v = a.data_version()
    b.write_change(pid, [((1, None), None, False)], expect=b.edit_revs(pid))
    assert a.data_version() != v  # a notices that someone else committed
    with pytest.raises(EditConflict) as e:
        a.write_change(pid, [((1, None), None, True)], expect=seen)
    assert e.value.keys == [("o", 1, None)]
    assert a.overrides(pid) == {(1, None): False}
    # with the counters read again the write goes through, with a newer counter
    rev = a.write_change(pid, [((1, None), False, True)], expect=a.edit_revs(pid))
    assert a.edit_revs(pid) == {("o", 1, None): rev} and rev > max(seen.values(), default=0)


def test_remove_and_restore_keep_everything(two):
    a, _b, pid = two
    a.load(pid)
    a.write_edits(pid, [((0, None), False)], [(1, True)])
    before = (a.row(pid), a.overrides(pid), a.splits(pid))
    removed = a.remove_posting(pid)
    assert a.ids() == [] and a.overrides(pid) == {}
    a.restore(removed)
    assert (a.row(pid), a.overrides(pid), a.splits(pid)) == before


def test_a_posting_that_could_not_be_read_is_never_reviewed(tmp_path):
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"%PDF-1.4\x00\x01" * 50)
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([str(bad)])
        pid = ws.ids()[0]
        with pytest.raises(InputError):
            ws.load(pid)
        with pytest.raises(InputError, match="cannot be marked reviewed"):
            ws.set_status(pid, "reviewed")
        ws.conn.execute("UPDATE postings SET status='reviewed', time_spent=60 WHERE id=?", (pid,))
        assert ws.progress()["reviewed"] == 0 and ws.progress()["per_hour"] == 0


def test_missing_paths_are_reported_not_queued(tmp_path):
    with Workspace.open(str(tmp_path / "ws")) as ws:
        report = ws.add_paths([str(tmp_path / "typo.txt")])
        assert ws.count() == 0 and report.added == 0
        assert report.errors and "typo.txt" in report.errors[0]


def test_warnings_are_kept_with_the_snapshot(tmp_path):
    page = tmp_path / "cut.html"
    page.write_text("<html><body><p>Build pipelines in SQL.</p><p>We offer")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([str(page)])
        first = ws.load(ws.ids()[0])  # read from the file
        again = ws.load(ws.ids()[0])  # the snapshot
        assert first.warnings and again.warnings == first.warnings


def test_an_older_workspace_gains_the_new_columns(tmp_path):
    d = str(tmp_path / "ws")
    Workspace.open(d).close()
    conn = sqlite3.connect(f"{d}/workspace.sqlite")
    for table, column in (("postings", "warnings"), ("overrides", "rev"), ("splits", "rev")):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.commit()
    conn.close()
    (tmp_path / "a.txt").write_text("Data Engineer\n")
    with Workspace.open(d) as ws:
        ws.add_paths([str(tmp_path / "a.txt")])
        pid = ws.ids()[0]
        ws.write_edits(pid, [((0, None), False)])
        assert ws.edit_revs(pid) and ws.load(pid).warnings == []


def test_files_of_unknown_type_in_a_folder_are_reported(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("Data Engineer\n")
    (d / "cv.docx").write_bytes(b"PK\x03\x04")
    (d / ".hidden").write_text("x")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        report = ws.add_paths([str(d)])
        assert report.added == 1
        assert len(report.errors) == 1 and "1 file of unknown type" in report.errors[0]
        assert "cv.docx" in report.errors[0]


def test_a_file_of_unknown_type_given_by_name_is_reported_not_queued(tmp_path):
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    (tmp_path / "a.txt").write_text("Data Engineer\n")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        report = ws.add_paths([str(pdf), str(tmp_path / "a.txt")])
        assert report.added == 1 and ws.count() == 1
        assert report.errors and "x.pdf" in report.errors[0] and "unknown type" in report.errors[0]
