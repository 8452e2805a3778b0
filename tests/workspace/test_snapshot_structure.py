"""A workspace's snapshot of an HTML page keeps the page's structure marks (the containers
of each line, the page's schema.org data): reopened from the snapshot, the page is filtered
as ``jdreview clean`` filters the file, and ``train --workspace`` learns from the same
evidence. Before, the snapshot kept only the lines, and a reopened page lost its ``html:``
evidence (18 of the corpus's 21 pages were decided otherwise on some lines)."""

from __future__ import annotations

import os

import pytest

from jdreview.engines.local import Cleaner
from jdreview.io.inputs import load_posting
from jdreview.workspace.store import Workspace

PAGE = """<html><head><title>Data Engineer</title></head><body>
<nav><a href="/">Jobs</a> <a href="/c">Companies</a></nav>
<main><h1>Data Engineer</h1><p>You build data pipelines in Python and SQL.</p>
<ul><li>Five years of SQL</li></ul></main>
<footer><p>Copyright 2026 Acme</p></footer></body></html>"""
CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "corpus", "raw")


def page(tmp_path, text=PAGE):
    path = tmp_path / "job.html"
    path.write_text(text, encoding="utf-8")
    return str(path)


def reopened(tmp_path, path):
    d = str(tmp_path / "ws")
    with Workspace.open(d) as ws:
        ws.add_paths([path])
        pid = ws.ids()[0]
        ws.load(pid)  # the first open takes the snapshot
    ws = Workspace.open(d)
    return ws, pid


def test_a_snapshot_keeps_the_pages_structure_marks(tmp_path):
    path = page(tmp_path)
    direct = load_posting(path)
    assert direct.line_attrs and ("html:nav",) in [tuple(a[:1]) for a in direct.line_attrs]
    ws, pid = reopened(tmp_path, path)
    with ws:
        os.remove(path)  # the snapshot alone, not the file read again
        again = ws.load(pid)
        assert again.lines == direct.lines
        assert again.line_attrs == direct.line_attrs
        assert direct.line_paths and again.line_paths == direct.line_paths  # the site memory's template


def test_a_snapshot_without_marks_gets_them_from_the_unchanged_file_once(tmp_path):
    path = page(tmp_path)
    expected = load_posting(path)
    ws, pid = reopened(tmp_path, path)
    with ws:
        ws.conn.execute("UPDATE postings SET attrs = NULL, paths = NULL")  # a workspace made before
        p = ws.load(pid)
        assert (p.line_attrs, p.line_paths) == (expected.line_attrs, expected.line_paths)
        os.remove(path)  # recorded: the file is not needed again
        p = ws.load(pid)
        assert (p.line_attrs, p.line_paths) == (expected.line_attrs, expected.line_paths)


def test_a_changed_file_gives_no_marks_to_an_old_snapshot(tmp_path):
    path = page(tmp_path)
    ws, pid = reopened(tmp_path, path)
    with ws:
        ws.conn.execute("UPDATE postings SET attrs = NULL, paths = NULL")
        page(tmp_path, PAGE.replace("Five years", "Ten years"))
        p = ws.load(pid)
        assert p.line_attrs is None and "Five years of SQL" in p.lines
        assert ws.conn.execute("SELECT attrs FROM postings").fetchone()[0] == ""  # not tried again


def test_damaged_marks_are_no_evidence(tmp_path):
    path = page(tmp_path)
    ws, pid = reopened(tmp_path, path)
    with ws:
        for bad in ("not json", "[1, 2]", '[["html:nav"]]'):
            ws.conn.execute("UPDATE postings SET attrs = ?", (bad,))
            p = ws.load(pid)
            assert p.line_attrs is None and p.lines == load_posting(path).lines


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="no development corpus")
@pytest.mark.parametrize("name", ["209.html", "269.html"])
def test_a_reopened_corpus_page_is_decided_as_clean_decides_the_file(tmp_path, name):
    path = os.path.join(CORPUS, name)
    cleaner = Cleaner.create()
    ws, pid = reopened(tmp_path, path)
    with ws:
        again = cleaner.clean(ws.load(pid))
    direct = cleaner.clean(load_posting(path))
    assert [lr.decision for lr in again.lines] == [lr.decision for lr in direct.lines]
