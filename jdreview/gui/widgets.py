"""Small widgets and helpers the panes share: an eliding label, and the guard that keeps
the window's one-key shortcuts out of text fields."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: modifiers that make a key a command even inside a text field (Ctrl+Z, Alt+Down)
_COMMAND_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | \
    Qt.KeyboardModifier.MetaModifier


class TextFieldKeys(QObject):
    """Installed on a text field: plain keys (letters, Space, Return, arrows; with or
    without Shift) go to the field, never to the window's one-key shortcuts (Return
    marks reviewed, Space toggles, F flags). Keys with Ctrl or Alt stay commands."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and not event.modifiers() & _COMMAND_MODIFIERS and event.key() != Qt.Key.Key_Escape:
            event.accept()  # the field takes the key press
            return True
        return False


def guard_text_field(field: QWidget) -> None:
    """Keep the window's one-key shortcuts out of ``field`` (see :class:`TextFieldKeys`)."""
    guard = TextFieldKeys(field)
    field.installEventFilter(guard)


class ElidedLabel(QLabel):
    """A one-line label that never asks for more width than it is given: its text is
    elided at the end to fit, and the full text is its tooltip (unless one is set)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(1)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(1, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(min(super().sizeHint().width(), 400), super().sizeHint().height())

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
