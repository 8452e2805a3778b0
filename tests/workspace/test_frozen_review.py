"""A reviewed posting's decisions are frozen at review: after the workspace's classifier
(``jdreview train --workspace``) or its rules change, reopening it, exporting it and
training from it show what the person reviewed, not the new filter's view of the lines
they did not toggle. Unmarking it lets the current filter decide again."""

from __future__ import annotations

import json
import os

from jdreview.cli import main
from jdreview.filter.classifier import Classifier
from jdreview.learn.labelled import reviewed_from_workspace
from jdreview.workspace.session import cleaner_for, filter_cached, index_next, open_session
from jdreview.workspace.store import Workspace

TEXT = ("Data Engineer\nAcme Corp\n\nYou build data pipelines in Python and SQL.\n"
        "You care about tests and clear code.\nShare this job\n")


def posting_file(tmp_path, name="job.txt"):
    path = tmp_path / name
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


def finals(session):
    return {key: session.final(key) for key in session.all_keys()}


def review(ws, pid):
    """Open ``pid`` as the window does, toggle one line, mark it reviewed."""
    s = open_session(ws, cleaner_for(ws), pid, reviewer="ann")
    s.apply(s.toggle([(1, None)]))
    ws.set_status(pid, "reviewed", "ann")
    return finals(s), s.cleaned_text(), s.result.cleaned_text()


def drop_everything(ws):
    """What a retrained workspace classifier might do to the untouched lines."""
    Classifier({}, bias=-50.0).save(ws.classifier_path)


def test_a_new_workspace_classifier_does_not_change_a_reviewed_posting(tmp_path):
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([posting_file(tmp_path)])
        pid = ws.ids()[0]
        reviewed, text, auto = review(ws, pid)
        drop_everything(ws)
        cleaner = cleaner_for(ws)
        assert cleaner.classifier is not None and cleaner.classifier.bias == -50.0
        again = open_session(ws, cleaner, pid)
        assert finals(again) == reviewed
        assert again.cleaned_text() == text
        # the window's re-filter after a rule or classifier change goes through the cache too
        assert filter_cached(ws, cleaner, pid).cleaned_text() == auto != ""
        assert ws.stale(cleaner.rules.version, cleaner.classifier_version) == []
        assert index_next(ws, cleaner) == 0


def test_export_and_training_read_the_reviewed_decisions(tmp_path):
    d = str(tmp_path / "ws")
    with Workspace.open(d) as ws:
        ws.add_paths([posting_file(tmp_path)])
        pid = ws.ids()[0]
        reviewed, text, _ = review(ws, pid)
        drop_everything(ws)
    [lp] = reviewed_from_workspace(d)
    assert {i: v for (i, seg), v in reviewed.items() if seg is None} == lp.labels
    out = tmp_path / "out"
    assert main(["export", "--workspace", d, "-o", str(out)]) == 0
    [pair] = [json.loads(x) for x in open(out / "pairs.jsonl", encoding="utf-8")]
    assert pair["output"] == text


def test_unmarking_a_posting_lets_the_current_filter_decide_again(tmp_path):
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([posting_file(tmp_path)])
        pid = ws.ids()[0]
        review(ws, pid)
        drop_everything(ws)
        ws.set_status(pid, "new", "ann")
        s = open_session(ws, cleaner_for(ws), pid)
        learned = [s.auto(k) for k in s.all_keys() if s.auto(k).source == "classifier"]
        assert len(learned) >= 3 and not any(d.keep for d in learned)


def test_a_posting_marked_reviewed_before_its_decisions_were_cached_freezes_its_first(tmp_path):
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([posting_file(tmp_path)])
        pid = ws.ids()[0]
        ws.set_status(pid, "reviewed", "ann")  # e.g. a script: nothing shown, nothing cached
        first = open_session(ws, cleaner_for(ws), pid).cleaned_text()
        drop_everything(ws)
        assert open_session(ws, cleaner_for(ws), pid).cleaned_text() == first != ""


def test_a_held_cache_write_is_what_gets_frozen(tmp_path):
    """The window shows a posting before its decisions are written (cache_later); marking
    it reviewed freezes what was shown."""
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([posting_file(tmp_path)])
        pid = ws.ids()[0]
        shown = open_session(ws, cleaner_for(ws), pid, cache_later=True)
        assert ws.has_cache_later
        ws.set_status(pid, "reviewed", "ann")
        drop_everything(ws)
        assert open_session(ws, cleaner_for(ws), pid).cleaned_text() == shown.cleaned_text() != ""
        assert os.path.exists(ws.classifier_path)
