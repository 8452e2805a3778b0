"""The workspace database: lazy adding, snapshots, edits written at once, safe sharing."""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3

import pytest

from jdreview.errors import InputError
from jdreview.workspace.store import SCHEMA_VERSION, Workspace, default_workspace_dir


def _write(path, text: str | bytes) -> str:
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as f:
        f.write(text)
    return str(path)


def test_new_workspace_is_wal_and_versioned(tmp_path):
    with Workspace.open(str(tmp_path / "ws")) as ws:
        assert ws.schema_version == SCHEMA_VERSION
        assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.count() == 0


def test_newer_schema_is_refused(tmp_path):
    Workspace.open(str(tmp_path)).close()
    conn = sqlite3.connect(tmp_path / "workspace.sqlite")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="newer"):
        Workspace.open(str(tmp_path))


def test_not_a_workspace_is_refused(tmp_path):
    _write(tmp_path / "workspace.sqlite", b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a jdreview workspace"):
        Workspace.open(str(tmp_path))


def test_default_location_is_per_user(monkeypatch, tmp_path):
    monkeypatch.setenv("JDREVIEW_WORKSPACE", str(tmp_path / "x"))
    assert default_workspace_dir() == str(tmp_path / "x")
    monkeypatch.delenv("JDREVIEW_WORKSPACE")
    assert "jdreview" in default_workspace_dir()


def test_files_are_added_lazily_and_snapshotted(tmp_path):
    a = _write(tmp_path / "a.txt", "Data Engineer\nApply\n")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        rep = ws.add_paths([a])
        assert (rep.added, rep.existing) == (1, 0)
        assert ws.add_paths([a]).existing == 1  # adding twice does nothing
        pid = ws.ids()[0]
        assert ws.conn.execute("SELECT text FROM postings").fetchone()[0] is None
        p = ws.load(pid)
        assert p.lines == ["Data Engineer", "Apply"]
        _write(a, "Changed on disk\n")
        assert ws.load(pid).lines == ["Data Engineer", "Apply"]  # the snapshot, not the file
        assert ws.meta(pid)["content_hash"] == p.content_hash


def test_batch_records_become_postings(tmp_path):
    b = _write(tmp_path / "b.jsonl", '{"id": "x1", "text": "One\\nTwo"}\nnot json\n{"id": "x2", "text": "Three"}\n')
    with Workspace.open(str(tmp_path / "ws")) as ws:
        rep = ws.add_paths([b])
        assert rep.added == 2 and len(rep.errors) == 1 and "b.jsonl" in rep.errors[0]
        rows = ws.rows()
        assert [r.posting_id for r in rows] == ["x1", "x2"]
        assert ws.load(rows[0].id).lines == ["One", "Two"]


def test_bad_file_records_an_error_and_others_stay_usable(tmp_path):
    bad = _write(tmp_path / "bad.txt", b"%PDF-1.4\x00\x01\x02" * 50)
    good = _write(tmp_path / "good.txt", "Hello\n")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([bad, good])
        bad_id, good_id = ws.ids()
        with pytest.raises(InputError, match="binary"):
            ws.load(bad_id)
        assert "binary" in ws.row(bad_id).error
        assert ws.load(good_id).lines == ["Hello"]


def test_edits_are_committed_when_the_call_returns(tmp_path):
    a = _write(tmp_path / "a.txt", "One\nTwo\n")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([a])
        pid = ws.ids()[0]
        ws.write_edits(pid, [((0, None), False), ((1, 2), True)], [(1, True)], "ann")
        ws.set_status(pid, "reviewed", "ann")
        ws.set_flag(pid, True)
        ws.set_note(pid, "odd page")
        # a second connection sees everything: nothing waits in this process
        with Workspace.open(str(tmp_path / "ws")) as other:
            assert other.overrides(pid) == {(0, None): False, (1, 2): True}
            assert other.splits(pid) == {1: True}
            row = other.row(pid)
            assert (row.status, row.flagged, row.note) == ("reviewed", True, "odd page")
        ws.write_edits(pid, [((0, None), None)], [(1, None)])
        assert ws.overrides(pid) == {(1, 2): True} and ws.splits(pid) == {}


def _hammer(directory: str, pid: int, worker: int, n: int) -> None:
    ws = Workspace.open(directory)
    for i in range(n):
        ws.write_edits(pid, [((worker * 1000 + i, None), bool(i % 2))], reviewer=f"w{worker}")
        ws.add_time(pid, 0.5)
    ws.close()


def test_two_processes_share_a_workspace_without_corruption(tmp_path):
    a = _write(tmp_path / "a.txt", "One\n")
    d = str(tmp_path / "ws")
    with Workspace.open(d) as ws:
        ws.add_paths([a])
        pid = ws.ids()[0]
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(d, pid, w, 150)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Workspace.open(d) as ws:
        assert ws.integrity_ok()
        assert len(ws.overrides(pid)) == 300
        assert ws.row(pid).time_spent == pytest.approx(150.0)


def test_progress_counts(tmp_path):
    paths = [_write(tmp_path / f"{i}.txt", f"Line {i}\n") for i in range(3)]
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths(paths)
        ids = ws.ids()
        ws.set_status(ids[0], "reviewed")
        ws.add_time(ids[0], 36.0)
        ws.set_status(ids[1], "skipped")
        prog = ws.progress()
        assert (prog["total"], prog["reviewed"], prog["skipped"]) == (3, 1, 1)
        assert prog["per_hour"] == pytest.approx(100.0)
        with pytest.raises(ValueError):
            ws.set_status(ids[2], "bogus")


def test_large_queue_adds_fast(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(2000):
        (folder / f"{i:05d}.txt").write_text(f"Posting {i}\n")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        assert ws.add_paths([str(folder)]).added == 2000
        assert len(ws.rows()) == 2000
        assert os.path.getsize(ws.path) < 5_000_000


def test_changed_counts_include_segments_the_person_split_off(tmp_path):
    from jdreview.engines.local import Cleaner
    from jdreview.filter.rules import RuleSet
    from jdreview.workspace.session import open_session

    a = _write(tmp_path / "a.txt", "Build pipelines. Like SQL.\nOther line\n")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([a])
        pid = ws.ids()[0]
        cleaner = Cleaner(RuleSet(), None, Cleaner.create(use_classifier=False).config)
        s = open_session(ws, cleaner, pid)
        s.apply(s.split_or_join(0))
        s.apply(s.toggle([(0, 1)]))  # drop "Like SQL." (the line was kept)
        s.apply(s.set_label([(1, None)], True))  # confirms the automatic keep: not a change
        assert s.counts()["changed"] == 1
        assert ws.row(pid).changed == 1 and ws.progress()["changed"] == 1


def test_held_cache_writes_land_on_flush_on_a_read_of_the_cache_or_on_close(tmp_path):
    a = _write(tmp_path / "a.txt", "One\nTwo\n")
    d = str(tmp_path / "ws")
    rows = [(0, -1, 0, 3, "One", "one", 1, "rule", "r", None, 0),
            (1, -1, 0, 3, "Two", "two", 0, "rule", "r", None, 0)]
    with Workspace.open(d) as ws:
        ws.add_paths([a])
        pid = ws.ids()[0]
        ws.load(pid)
        ws.cache_later(pid, lambda: ws.save_units(pid, rows, "r1", "c1"))
        assert ws.has_cache_later
        with Workspace.open(d) as other:  # held in this process only
            assert other.cached_units(pid, "r1", "c1") is None
        assert ws.cached_units(pid, "r1", "c1") == [r[:4] + r[6:] for r in rows]  # read flushes
        assert not ws.has_cache_later and ws.flush_cache() == []
        ws.cache_later(pid, lambda: ws.save_units(pid, rows[:1], "r2", "c1"))
        assert ws.stale("r2", "c1") == []  # so does asking what is stale
        ws.cache_later(pid, lambda: ws.save_units(pid, rows, "r3", "c1"))
    with Workspace.open(d) as ws:  # and closing
        assert len(ws.cached_units(pid, "r3", "c1") or []) == 2
