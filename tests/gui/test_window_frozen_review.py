"""The window reopens a reviewed posting as it was reviewed, after ``jdreview train
--workspace`` gave the workspace a classifier that decides its untouched lines otherwise."""

from __future__ import annotations

from PySide6.QtCore import Qt

from jdreview.filter.classifier import Classifier


def test_a_reviewed_posting_reopens_as_reviewed_under_a_new_workspace_classifier(make_window, seeds, qtbot):
    w = make_window(seeds)
    first = w.pid
    line = next(i for i, lr in enumerate(w.session.lines)
                if lr.decision is not None and w.session.line_final(i))
    w.lines.go_to(w.model.index(line, 0))
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)  # one toggle, then Return: reviewed
    reviewed = w.preview.toPlainText()
    with qtbot.waitSignal(w.posting_opened):
        qtbot.keyClick(w.lines, Qt.Key.Key_Return)
    second = w.pid
    before_second = w.preview.toPlainText()
    directory = w.ws.directory
    Classifier({}, bias=-50.0).save(w.ws.classifier_path)  # a retrained classifier: drops all it decides
    w.close()
    w2 = make_window(ws_dir=directory)
    assert w2.cleaner.classifier is not None and w2.cleaner.classifier.bias == -50.0
    w2.open_posting(first)
    assert w2.preview.toPlainText() == reviewed != ""
    assert w2.session.line_final(line) is False
    w2.open_posting(second)  # not reviewed: it follows the new classifier
    assert w2.preview.toPlainText() != before_second
