"""Issue 10, item 5, in the window: a workspace whose pages are damaged while it is open.

Each 4 kB page of a small workspace is garbled in turn (as ``test_hostile`` does for the
command line) and the real window is driven over it: opening every posting from the queue,
a toggle, flag, note, mark reviewed, the progress figures, the rules panel, an export and
closing. Whatever fails is one line naming the workspace file (status bar or message),
never a traceback (pytest-qt fails a test whose slot raises) and never a crash; and the
window keeps doing what still reads: every posting that a fresh connection can open, the
window opens too.
"""

from __future__ import annotations

import os
import sqlite3

import pytest
from PySide6.QtCore import Qt

from jdreview.errors import InputError
from jdreview.workspace.session import open_session
from jdreview.workspace.store import Workspace

PAGE = 4096


@pytest.fixture(scope="module")
def cleaner():
    from jdreview.engines.local import Cleaner

    return Cleaner.create(use_classifier=False)


def build(directory, seeds, cleaner) -> bytes:
    """A workspace of the seeds, each opened once (snapshot and decisions cached), one edit,
    one posting reviewed; returns the database file's bytes (WAL checkpointed)."""
    with Workspace.open(str(directory)) as ws:
        ws.add_paths(seeds)
        for pid in ws.ids():
            s = open_session(ws, cleaner, pid, "tester")
            if pid == ws.ids()[0]:
                s.apply(s.toggle([s.all_keys()[0]]))
        ws.set_status(ws.ids()[0], "reviewed", "tester")
        ws.set_note(ws.ids()[-1], "salary?")
        ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return (directory / "workspace.sqlite").read_bytes()


def openable(directory, cleaner) -> tuple[list[int] | None, set[int]]:
    """What a fresh connection reads: the queue's ids (None if they cannot be read) and the
    postings that open."""
    try:
        ws = Workspace.open(str(directory))
    except InputError:
        return None, set()
    ok = set()
    try:
        try:
            ids = [r.id for r in ws.rows()]
        except sqlite3.DatabaseError:
            return None, set()
        for pid in ids:
            try:
                open_session(ws, cleaner, pid)
                ok.add(pid)
            except (InputError, sqlite3.DatabaseError):
                pass
        ws._later.clear()
        return ids, ok
    finally:
        try:
            ws.conn.close()
        except sqlite3.Error:
            pass


def one_line_messages(w, dialogs) -> list[str]:
    msgs = [*dialogs.errors, w.statusBar().currentMessage()]
    for m in dialogs.errors:
        assert "\n" not in m and "Traceback" not in m, m
    return [m for m in msgs if "database" in m.lower() or "malformed" in m]


def drive(w, qtbot, dialogs, tmp_path, k) -> dict[str, object]:
    """Everything a reviewer does in one sitting; returns what the window showed."""
    from jdreview.gui.app import load_queue

    load_queue(w, [])
    opened: dict[int, bool] = {}
    for pid in [r.id for r in w.queue_model.rows]:
        w.queue.posting_chosen.emit(pid)  # a click in the queue
        opened[pid] = w.pid == pid and w.session is not None
    if w.session is not None:
        qtbot.keyClick(w.lines, Qt.Key.Key_Space)
        w.actions_by_name["flag"].trigger()
        dialogs.note_answer = "checked"
        w.actions_by_name["note"].trigger()
        qtbot.keyClick(w.lines, Qt.Key.Key_Return)  # mark reviewed and open the next
    w.actions_by_name["next_posting"].trigger()
    w._schedule_queue_refresh(all_rows=True)
    qtbot.waitUntil(lambda: not w._queue_timer.isActive())
    w.actions_by_name["rules_workbench"].trigger()  # the rules panel measures on opening
    w.rules_panel.refresh_button.click()
    finished: list[str] = []
    w.export_finished.connect(finished.append)
    errors_before = len(dialogs.errors)
    w.export(str(tmp_path / f"export{k}"))
    qtbot.waitUntil(lambda: bool(finished) or len(dialogs.errors) > errors_before, timeout=30000)
    return {"opened": opened, "exported": bool(finished)}


def test_a_damaged_page_in_the_open_workspace_is_one_line_and_the_rest_still_reads(
        tmp_path, seeds, cleaner, qtbot, settings, dialogs):
    from jdreview.gui.main_window import MainWindow

    db = build(tmp_path / "ws", seeds, cleaner)
    pages = len(db) // PAGE
    assert pages >= 8
    damaged_seen = refused_at_open = 0
    for k in range(pages):
        d = tmp_path / f"g{k}"
        d.mkdir()
        bad = bytearray(db)
        bad[k * PAGE:(k + 1) * PAGE] = bytes((i * 37 + k) % 256 for i in range(PAGE))
        (d / "workspace.sqlite").write_bytes(bytes(bad))
        ids, can_open = openable(d, cleaner)
        try:
            ws = Workspace.open(str(d))
        except InputError as e:  # refused at open, in one line (the command line's case)
            assert "\n" not in str(e) and str(d) in str(e)
            refused_at_open += 1
            continue
        dialogs.errors.clear()
        w = MainWindow(ws, lambda: cleaner, reviewer="tester", settings=settings, dialogs=dialogs,
                       background_index=False)
        qtbot.addWidget(w)
        w.show()
        try:
            shown = drive(w, qtbot, dialogs, tmp_path, k)
            damaged = one_line_messages(w, dialogs)
            assert all(ws.path in m for m in damaged), (k, damaged)
            if ids is not None:  # the queue reads: it shows every posting
                assert sorted(shown["opened"]) == sorted(ids), k
                for pid in can_open:  # and every posting that reads, opens
                    assert shown["opened"][pid], (k, pid, dialogs.errors)
            if damaged or dialogs.errors:
                damaged_seen += 1
            assert w.isVisible()
        finally:
            w.close()
            ws.close()
        assert not os.path.exists(str(d / "workspace.sqlite-journal"))
    assert damaged_seen >= 1  # the window met damage, and said so in a line naming the file
    assert refused_at_open < pages
