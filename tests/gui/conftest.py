"""pytest-qt fixtures: the real window, offscreen, on a workspace of the seed postings."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6", reason="the review window needs PySide6 (pip install 'jdreview[gui]')")

from PySide6.QtCore import QSettings  # noqa: E402

from jdreview.workspace.store import Workspace  # noqa: E402

SEEDS = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "samples", "seeds")


@pytest.fixture(scope="session")
def qapp():
    """The one QApplication of every GUI test (pytest-qt's ``qtbot`` uses it too), made
    after the PySide6 reference-count guard is installed: a test that asks for nothing
    but ``qapp`` runs as guarded as the window (issue 10, item 15)."""
    from PySide6.QtWidgets import QApplication

    from jdreview.gui.compat import install_refcount_guard

    install_refcount_guard()
    app = QApplication.instance() or QApplication([])
    yield app


class ScriptedDialogs:
    """Dialog answers given in advance; what was asked is recorded so tests can check
    the text the person would have read."""

    def __init__(self) -> None:
        self.confirm_answer = True
        self.note_answer: str | None = None
        self.rule_choice = 0  # which proposal make_rule returns (None: cancel)
        self.asked: list[str] = []
        self.errors: list[str] = []
        self.effects: list = []
        self.edit_answer = None
        self.rule_made = None  # a Rule the person typed in the rule dialog (instead of a proposal)

    def confirm(self, parent, title, text):
        self.asked.append(text)
        return self.confirm_answer

    def error(self, parent, title, text):
        self.errors.append(text)

    def note(self, parent, current):
        return self.note_answer

    def open_paths(self, parent):
        return []

    line_answer = None

    def line_number(self, parent, current, last):
        self.asked.append(f"line {current} of {last}")
        return self.line_answer

    def export_dir(self, parent, current):
        return None

    def make_rule(self, parent, proposals, effect, target="", site=""):
        self.asked.append(target)
        for r in proposals:
            self.effects.append(effect(r))
        if self.rule_made is not None:
            self.effects.append(effect(self.rule_made))
            return self.rule_made
        return None if self.rule_choice is None else proposals[self.rule_choice]

    def shortcuts(self, parent, actions):
        self.asked.append("\n".join(a.text() for a in actions))

    def edit_rule(self, parent, rule, effect=None):
        """``edit_answer(rule) -> Rule | None`` stands for the person's edit (None: cancel)."""
        self.asked.append(rule.id)
        edited = None if self.edit_answer is None else self.edit_answer(rule)
        if effect is not None and edited is not None:
            from jdreview.errors import InputError
            from jdreview.filter.rules import parse_rules

            try:  # the real dialog previews valid rules only
                parse_rules(edited.to_toml())
            except InputError:
                return edited
            self.effects.append(effect(edited))
        return edited


@pytest.fixture
def seeds(tmp_path):
    d = tmp_path / "seeds"
    shutil.copytree(SEEDS, d)
    return sorted(str(d / n) for n in os.listdir(d))


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialogs():
    return ScriptedDialogs()


@pytest.fixture
def make_window(qtbot, tmp_path, settings, dialogs):
    """make_window(paths) -> a shown MainWindow on a fresh workspace in tmp_path/ws."""
    from argparse import Namespace

    from jdreview.gui.app import make_window as build

    opened = []

    def make(paths=(), ws_dir=None, **kw):
        ws = Workspace.open(str(ws_dir or tmp_path / "ws"))
        args = Namespace(rules=[], no_default_rules=False, classifier=kw.get("classifier"), no_classifier=False,
                         threshold=None, reviewer="tester")
        w = build(ws, args, settings=settings, dialogs=dialogs, background_index=False)
        qtbot.addWidget(w)
        opened.append((w, ws))
        w.show()
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)  # window shortcuts need the active window
        if paths:
            w.add_paths(list(paths))
        else:
            w.open_first()
        return w

    yield make
    for w, ws in opened:
        w.close()
        ws.close()
