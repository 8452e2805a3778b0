"""The rules panel in the real window: suggestions from reviewed postings, accepting one,
and the rule figures that follow."""

from __future__ import annotations

from PySide6.QtCore import Qt

from jdreview.gui.rules_panel import OFTEN_OVERRIDDEN, STAT_COLUMNS, SUGGESTION_COLUMNS
from jdreview.rules import load_rules

CHROME = "Zorblax widget digest for subscribers"  # words no shipped rule knows


def _posting(tmp_path, name, title, body):
    p = tmp_path / name
    p.write_text(f"{title}\n\n{CHROME}\n\n{body}\n\nWe offer a pension and flexible hours.\n",
                 encoding="utf-8")
    return str(p)


def _drop_chrome_and_review(w, qtbot):
    s = w.session
    line = next(i for i, lr in enumerate(s.lines) if lr.text == CHROME)
    w.lines.go_to(w.model.index(line, 0))
    if s.line_final(line):
        qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert s.line_final(line) is False
    qtbot.keyClick(w.lines, Qt.Key.Key_Return)  # mark reviewed, open the next posting


def test_rules_panel_suggests_accepts_and_measures(make_window, tmp_path, qtbot):
    paths = [_posting(tmp_path, "a.txt", "Data Engineer", "You build pipelines in Python and SQL."),
             _posting(tmp_path, "b.txt", "Data Analyst", "You measure product usage with SQL.")]
    w = make_window(paths)
    panel, dock = w.rules_panel, w.rules_dock
    assert not dock.isVisible()
    for _ in paths:
        _drop_chrome_and_review(w, qtbot)
    # the Edit menu's toggle (Ctrl+Shift+R) shows the panel, which measures on opening
    qtbot.keyClick(w.lines, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(dock.isVisible)
    assert "2 reviewed postings" in panel.summary.text()
    m = panel.suggestion_model
    col = {c: k for k, c in enumerate(SUGGESTION_COLUMNS)}
    row = next(r for r in range(m.rowCount())
               if m.index(r, col["pattern"]).data() == CHROME.lower())
    assert m.index(row, col["support"]).data() == "2"
    assert m.index(row, col["precision"]).data() == "1.000"
    # accept it: the rule lands in the workspace's rule file and decides the line
    panel.suggestion_view.selectRow(row)
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    saved = [r for r in load_rules(w.ws.rules_path).rules if r.pattern == (CHROME.lower(),)]
    assert len(saved) == 1 and saved[0].action == "drop"
    assert saved[0].id in w.cleaner.rules._by_id
    # refreshed: no longer suggested, and its figures are in the rule table
    assert all(m.index(r, col["pattern"]).data() != CHROME.lower() for r in range(m.rowCount()))
    sm = panel.stat_model
    scol = {c: k for k, c in enumerate(STAT_COLUMNS)}
    srow = next(r for r in range(sm.rowCount()) if sm.index(r, scol["rule"]).data() == saved[0].id)
    assert sm.index(srow, scol["matched"]).data() == "2"
    assert sm.index(srow, scol["postings"]).data() == "2"
    assert sm.index(srow, scol["overridden"]).data() == "0"
    assert sm.index(srow, scol["flag"]).data() == ""


def test_often_overridden_rule_is_marked(make_window, tmp_path, qtbot):
    rules = tmp_path / "ws" / "rules.toml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_text("schema = 1\n\n[[rule]]\nid = 'pension-is-noise'\nkind = 'regex'\n"
                     "pattern = 'pension'\naction = 'drop'\n", encoding="utf-8")
    paths = [_posting(tmp_path, "a.txt", "Data Engineer", "You build pipelines in Python and SQL."),
             _posting(tmp_path, "b.txt", "Data Analyst", "You measure product usage with SQL.")]
    w = make_window(paths)
    for _ in paths:  # the person keeps the pension line the rule dropped, in both postings
        s = w.session
        line = next(i for i, lr in enumerate(s.lines) if "pension" in lr.text)
        assert s.lines[line].decision.reason == "rule:pension-is-noise"
        w.lines.go_to(w.model.index(line, 0))
        qtbot.keyClick(w.lines, Qt.Key.Key_Space)
        assert s.line_final(line) is True
        qtbot.keyClick(w.lines, Qt.Key.Key_Return)
    w.rules_panel.refresh()
    sm = w.rules_panel.stat_model
    scol = {c: k for k, c in enumerate(STAT_COLUMNS)}
    srow = next(r for r in range(sm.rowCount()) if sm.index(r, scol["rule"]).data() == "pension-is-noise")
    assert sm.index(srow, scol["overridden"]).data() == "2"
    assert sm.index(srow, scol["precision"]).data() == "0.000"
    assert sm.index(srow, scol["flag"]).data() == OFTEN_OVERRIDDEN
    assert sm.index(srow, 0).data(Qt.ItemDataRole.FontRole).bold()
