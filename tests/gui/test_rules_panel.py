"""The rules panel in the real window: suggestions from reviewed postings, accepting one,
and the rule figures that follow."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from jdreview.filter.rules import load_rules
from jdreview.gui.rules_panel import (
    FIRED_COLUMNS,
    OFTEN_OVERRIDDEN,
    STAT_COLUMNS,
    SUGGESTION_COLUMNS,
)

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


# ---------------------------------------------------------------- rules that fired here

def _fired_row(panel, rule_id):
    m = panel.fired_model
    col = {c: k for k, c in enumerate(FIRED_COLUMNS)}
    rows = [r for r in range(m.rowCount()) if m.index(r, col["rule"]).data() == rule_id]
    assert rows, f"{rule_id} not listed as fired"
    return rows[0], {c: m.index(rows[0], k).data() for c, k in col.items()}


def _user_rules(tmp_path, body):
    rules = tmp_path / "ws" / "rules.toml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_text("schema = 1\n\n" + body, encoding="utf-8")
    return rules


def test_disabling_a_shipped_rule_brings_its_line_back_in_the_preview(make_window, tmp_path, qtbot):
    p = tmp_path / "a.txt"
    p.write_text("Data Engineer\n\nShare this job\n\nYou build pipelines in Python and SQL.\n", encoding="utf-8")
    w = make_window([str(p)])
    panel = w.rules_panel
    line = next(i for i, lr in enumerate(w.session.lines) if lr.text == "Share this job")
    rid = w.session.lines[line].decision.rule
    assert "Share this job" not in w.preview.toPlainText()
    row, fig = _fired_row(panel, rid)  # listed for the open posting, with its count here
    assert fig["here"] == "1" and fig["state"] == "enabled" and fig["defined"] != "your rule file"
    panel.fired_view.selectRow(row)
    qtbot.mouseClick(panel.disable_button, Qt.MouseButton.LeftButton)
    assert load_rules(w.ws.rules_path).get(rid).enabled is False
    assert "Share this job" in w.preview.toPlainText().split("\n")
    assert w.preview.toPlainText() == w.session.cleaned_text()
    # still listed (disabled, from the user file), and enabling it drops the line again
    row, fig = _fired_row(panel, rid)
    assert fig["state"] == "disabled" and fig["here"] == "0"
    panel.fired_view.selectRow(row)
    qtbot.mouseClick(panel.disable_button, Qt.MouseButton.LeftButton)
    assert "Share this job" not in w.preview.toPlainText()
    assert load_rules(w.ws.rules_path).get(rid) is None  # the bare override is gone


BODY = "You build pipelines in Python and SQL."


def _plain(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(f"Data Engineer\n\n{CHROME}\n\n{BODY}\n", encoding="utf-8")
    return str(p)


def test_deleting_a_user_rule_removes_its_effect(make_window, tmp_path, qtbot):
    rules = _user_rules(tmp_path, "[[rule]]\nid = 'pipelines-are-noise'\nkind = 'regex'\n"
                                  "pattern = 'pipelines'\naction = 'drop'\n")
    w = make_window([_plain(tmp_path)])
    body = BODY
    assert body not in w.preview.toPlainText()
    row, fig = _fired_row(w.rules_panel, "pipelines-are-noise")
    assert fig["defined"] == "your rule file" and fig["here"] == "1"
    w.rules_panel.fired_view.selectRow(row)
    qtbot.mouseClick(w.rules_panel.delete_button, Qt.MouseButton.LeftButton)
    assert "pipelines-are-noise" not in rules.read_text(encoding="utf-8")
    assert body in w.preview.toPlainText().split("\n")
    assert "pipelines-are-noise" not in w.cleaner.rules._by_id


def test_editing_a_rule_pattern_changes_the_preview(make_window, tmp_path, qtbot, dialogs):
    _user_rules(tmp_path, f"[[rule]]\nid = 'chrome'\nkind = 'exact'\npattern = ['{CHROME.lower()}']\n"
                          "action = 'drop'\n")
    w = make_window([_plain(tmp_path)])
    body = BODY
    text = w.preview.toPlainText().split("\n")
    assert CHROME not in text and body in text
    dialogs.edit_answer = lambda r: dataclasses.replace(r, pattern=(body.lower(),), note="moved")
    row, _fig = _fired_row(w.rules_panel, "chrome")
    w.rules_panel.fired_view.selectRow(row)
    qtbot.mouseClick(w.rules_panel.edit_button, Qt.MouseButton.LeftButton)
    saved = load_rules(w.ws.rules_path).get("chrome")
    assert saved.pattern == (body.lower(),) and saved.note == "moved"
    # the edit dialog previewed it as a new rule's does: the old match comes back, the new one goes
    flips = {(c.text.strip(), c.before_keep, c.after_keep) for c in dialogs.effects[-1].changes}
    assert {(CHROME, False, True), (body, True, False)} <= flips
    text = w.preview.toPlainText().split("\n")
    assert CHROME in text and body not in text
    # an edit the file would refuse is reported and changes nothing
    dialogs.edit_answer = lambda r: dataclasses.replace(r, kind="regex", pattern=("(broken",))
    row, _fig = _fired_row(w.rules_panel, "chrome")
    w.rules_panel.fired_view.selectRow(row)
    qtbot.mouseClick(w.rules_panel.edit_button, Qt.MouseButton.LeftButton)
    assert dialogs.errors and "bad regex" in dialogs.errors[-1]
    assert load_rules(w.ws.rules_path).get("chrome").pattern == (body.lower(),)


def test_fired_list_follows_the_open_posting(make_window, tmp_path, qtbot):
    a = tmp_path / "a.txt"
    a.write_text("Data Engineer\n\nShare this job\n\nYou build pipelines.\n", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("Data Analyst\n\nYou measure usage with SQL.\n", encoding="utf-8")
    w = make_window([str(a), str(b)])
    rid = next(lr.decision.rule for lr in w.session.lines if lr.text == "Share this job")
    _fired_row(w.rules_panel, rid)
    qtbot.keyClick(w.lines, Qt.Key.Key_Return)  # reviewed: b opens
    ids = [w.rules_panel.fired_model.index(r, 0).data() for r in range(w.rules_panel.fired_model.rowCount())]
    assert rid not in ids


# ---------------------------------------------------------------- suggestions: preview, one key

def test_suggestion_preview_then_return_accepts(make_window, tmp_path, qtbot):
    paths = [_posting(tmp_path, "a.txt", "Data Engineer", "You build pipelines in Python and SQL."),
             _posting(tmp_path, "b.txt", "Data Analyst", "You measure product usage with SQL."),
             _posting(tmp_path, "c.txt", "Data Scientist", "You model churn.")]
    w = make_window(paths)
    for _ in paths[:2]:
        _drop_chrome_and_review(w, qtbot)
    third = w.pid
    w.index_all()
    units = [u for u in w.ws.all_line_units() if u.text == CHROME]
    assert CHROME in w.preview.toPlainText().split("\n")  # posting c: chrome still kept
    w.rules_dock.show()
    panel = w.rules_panel
    panel.refresh()
    m = panel.suggestion_model
    col = {c: k for k, c in enumerate(SUGGESTION_COLUMNS)}
    row = next(r for r in range(m.rowCount()) if m.index(r, col["pattern"]).data() == CHROME.lower())
    panel.suggestion_view.setFocus()
    panel.suggestion_view.selectRow(row)
    # auto-kept chrome lines the drop rule would flip: not those of the reviewed postings
    # a and b, whose decisions are frozen at review
    flips = sum(1 for u in units if u.keep and not u.reviewed)
    assert flips == 1 and sum(u.reviewed for u in units) == 2
    assert panel.effect_label.text().startswith(f"Would flip {flips} line")
    assert "in 3 postings (0 contradict your edits)" in panel.effect_label.text()
    qtbot.waitUntil(panel.suggestion_view.hasFocus)
    qtbot.keyClick(panel.suggestion_view, Qt.Key.Key_Return)
    saved = [r for r in load_rules(w.ws.rules_path).rules if r.pattern == (CHROME.lower(),)]
    assert len(saved) == 1
    assert w.pid == third and w.ws.row(third).status == "new"  # Return accepted, did not mark reviewed
    assert CHROME not in w.preview.toPlainText().split("\n")


# ---------------------------------------------------------------- the queue order

def test_queue_order_puts_most_disagreement_first(make_window, tmp_path, qtbot):
    from jdreview.workspace.queue import posting_signals

    _user_rules(tmp_path, "[[rule]]\nid = 'drops-real-content'\nkind = 'regex'\n"
                          "pattern = 'you will design'\naction = 'drop'\n")
    calm = [_posting(tmp_path, f"{n}.txt", f"Data Role {n}", "You measure product usage with SQL.")
            for n in ("a", "b")]
    fight = tmp_path / "z.txt"
    fight.write_text("Senior Data Engineer\n\n" + "\n\n".join(
        f"You will design and build reliable data pipelines in Python and SQL for team {k}."
        for k in range(6)) + "\n", encoding="utf-8")
    w = make_window([*calm, str(fight)])
    ids = [r.id for r in w.queue_model.rows]
    assert w.queue_model.rows[-1].source.endswith("z.txt")
    sig = {pid: posting_signals(pid, w.ws.load(pid), w.cleaner.rules, w.cleaner.classifier).disagreements
           for pid in ids}
    assert sig[ids[-1]] > max(sig[i] for i in ids[:-1])  # the case is what it claims
    w.actions_by_name["order_queue"].trigger()
    assert w.queue_model.rows[0].source.endswith("z.txt")
    assert sorted(r.id for r in w.queue_model.rows) == sorted(ids)
    w.queue_model.reload()  # the order survives a reload of the queue figures
    assert w.queue_model.rows[0].source.endswith("z.txt")


def test_rule_edit_dialog_returns_the_edited_rule(qtbot):
    from jdreview.filter.rules import Rule
    from jdreview.gui.dialogs import RuleEditDialog

    dlg = RuleEditDialog(None, Rule("x", "exact", ("a", "b"), origin="f:3"))
    qtbot.addWidget(dlg)
    dlg.pattern.setPlainText("share this job\n\nsave job\n")
    dlg.action.setCurrentText("keep")
    dlg.note.setText(" why ")
    assert dlg.edited() == Rule("x", "exact", ("share this job", "save job"), action="keep", note="why")
