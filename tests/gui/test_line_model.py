"""The line model checked by pytest-qt's qtmodeltester, through splits, joins and undo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import Rule, RuleSet
from jdreview.gui.line_model import COL_LABEL, KEY_ROLE, LineModel
from jdreview.gui.panes import QueueModel
from jdreview.io.posting import Posting
from jdreview.workspace.session import Session
from jdreview.workspace.store import Workspace

RULES = RuleSet([Rule("apply", "exact", ("apply",)),
                 Rule("clicks", "regex", (r"\d+ people clicked apply",), unit="segment")])
TEXT = ("Data Engineer\nApply\n\nBoston · 1 week ago · 36 people clicked apply\n"
        "You build pipelines. You like SQL.\n")


def test_line_model_passes_qtmodeltester_through_edits(qtmodeltester):
    model = LineModel()
    stack = QUndoStack()
    model.set_session(Session(auto_filter(Posting.from_text(TEXT), RULES)), stack)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 5 and model.rowCount(model.index(3, 0)) == 3
    assert model.index(1, COL_LABEL).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.index(2, COL_LABEL).data(Qt.ItemDataRole.CheckStateRole) is None  # blank line
    # split, toggle a segment, join, undo all: the tester watches every signal
    assert model.split_or_join(4)
    assert model.rowCount(model.index(4, 0)) == 2
    seg = model.index(1, COL_LABEL, model.index(4, 0))
    assert seg.data(KEY_ROLE) == (4, 1)
    assert model.setData(seg, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.index(4, COL_LABEL).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.PartiallyChecked
    assert model.split_or_join(3)  # join the filter's segments
    assert model.rowCount(model.index(3, 0)) == 0
    while stack.canUndo():
        stack.undo()
    assert model.rowCount(model.index(3, 0)) == 3 and model.rowCount(model.index(4, 0)) == 0
    assert model.session.overrides == {} and model.session.splits == {}
    qtmodeltester.check(model, force_py=True)


def test_queue_model_passes_qtmodeltester(qtmodeltester, tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(f"Posting {i}\n")
    with Workspace.open(str(tmp_path / "ws")) as ws:
        ws.add_paths([str(tmp_path)])
        model = QueueModel(ws)
        qtmodeltester.check(model, force_py=True)
        ws.set_status(ws.ids()[1], "reviewed")
        model.refresh(ws.ids()[1])
        assert "reviewed" in model.index(1, 0).data()
