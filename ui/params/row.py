"""One row of the parameter panel: sent / not sent, the editor, reset, help and model notes."""

from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPalette, QPen, QPixmap, QPixmapCache
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from core.params import ParamSpec, format_value
from ui.params.editors.base import ParamEditor

WARNING_COLOR = QColor("#c27c0e")


def _range_text(spec: ParamSpec) -> str:
    parts: list[str] = []
    if spec.minimum is not None and spec.maximum is not None:
        parts.append(f"{format_value(spec.minimum)} to {format_value(spec.maximum)}")
    if spec.api_default is not None:
        parts.append(f"server default {format_value(spec.api_default)}")
    return " · ".join(parts)


def info_pixmap(widget: QWidget) -> QPixmap:
    """A small ⓘ (a ring around an i) painted in the widget's muted text colour; drawn
    rather than typed because many fonts have no ⓘ glyph. Kept in ``QPixmapCache``:
    every row of the panel shows the same one."""
    side = max(12, widget.fontMetrics().height() - 3)
    ratio = widget.devicePixelRatioF()
    color = widget.palette().color(QPalette.ColorRole.PlaceholderText)
    key = f"chorus-info-{side}-{ratio}-{color.rgba():08x}"
    pixmap = QPixmap()
    if QPixmapCache.find(key, pixmap):
        return pixmap
    pixmap = QPixmap(round(side * ratio), round(side * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, 1.2))
    painter.drawEllipse(QRectF(0.6, 0.6, side - 1.2, side - 1.2))
    painter.setPen(QPen(color, max(1.4, side / 9)))
    middle = side / 2
    painter.drawLine(QPointF(middle, side * 0.44), QPointF(middle, side * 0.74))
    painter.drawPoint(QPointF(middle, side * 0.29))
    painter.end()
    QPixmapCache.insert(key, pixmap)
    return pixmap


class ParamRow(QWidget):
    """A field of ``PARAMS`` as a row: a checkbox with the label (checked: the field is
    sent), an ⓘ with the help, a marker when the selected model will not receive the
    field, receives it renamed or clamped, a reset button, and the ``editor``.

    Unchecked, the editor is greyed and the row says what the server does instead;
    clicking the greyed editor, or any change of its value, turns the field on.
    ``changed`` is emitted whenever a person changes whether the field is sent or its
    value.
    """

    changed = Signal()

    def __init__(self, spec: ParamSpec, editor: ParamEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editor = editor
        self.setObjectName(f"paramRow_{spec.name}")
        self._sent = False
        self._available = True
        self._requires_reason = ""
        self._model = ""
        self._unsupported = ""
        self._renamed = ""
        self._limit: tuple[float, float] | None = None
        self._struck = False

        self.toggle = QCheckBox(spec.label, self)
        self.toggle.setObjectName("paramToggle")
        self.toggle.toggled.connect(self._toggled)
        self.marker = QLabel(self)
        self.marker.setObjectName("paramMarker")
        self.marker.hide()
        self.info = QLabel(self)
        self.info.setObjectName("paramInfo")
        self.info.setPixmap(info_pixmap(self.info))
        self.info.setAccessibleName(f"About {spec.label}")
        self.info.setCursor(Qt.CursorShape.WhatsThisCursor)
        self.reset_button = QToolButton(self)
        self.reset_button.setObjectName("paramReset")
        self.reset_button.setText("↺")
        self.reset_button.setAutoRaise(True)
        self.reset_button.clicked.connect(self.reset)
        self.hint = QLabel(self)
        self.hint.setObjectName("paramHint")
        self.hint.setWordWrap(True)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(6)
        top.addWidget(self.toggle)
        top.addWidget(self.marker)
        top.addWidget(self.info)
        top.addStretch(1)
        top.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 6)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(editor)
        layout.addWidget(self.hint)

        help_html = (
            f"<b>{html.escape(spec.label)}</b> <code>{html.escape(spec.name)}</code>"
            f"<p>{html.escape(spec.help)}</p>"
        )
        if range_text := _range_text(spec):
            help_html += f"<p><i>{html.escape(range_text)}</i></p>"
        for widget in (self.toggle, self.info):
            widget.setToolTip(help_html)
        self.toggle.setAccessibleDescription(spec.help)
        editor.value_changed.connect(self._value_changed)
        self._refresh()

    # --- state --------------------------------------------------------------------

    def is_sent(self) -> bool:
        return self._sent

    def value(self) -> object:
        return self.editor.value()

    def set_state(self, sent: bool, value: object | None = None) -> None:
        """Shows ``sent`` and ``value`` (valid, or None to keep the editor's) silently."""
        if value is not None:
            self.editor.set_value(value)
        self._sent = sent
        self._refresh()

    def set_sent(self, sent: bool) -> None:
        """Turns the field on or off as a person would (emits ``changed``)."""
        self.toggle.setChecked(sent)

    def reset(self) -> None:
        """Back to the app default: the initial value, sent only if on by default."""
        before = (self._sent, self.editor.value())
        self.editor.set_value(self.spec.initial_value())
        self._sent = self.spec.on_by_default
        self._refresh()
        if (self._sent, self.editor.value()) != before:
            self.changed.emit()

    def is_default(self) -> bool:
        if self._sent != self.spec.on_by_default:
            return False
        return not self._sent or self.editor.value() == self.spec.initial_value()

    def set_available(self, available: bool, reason: str = "") -> None:
        """Whether the field this one ``requires`` is on; ``reason`` says which it is."""
        if (available, reason) != (self._available, self._requires_reason):
            self._available, self._requires_reason = available, reason
            self._refresh()

    def set_model_notes(
        self,
        model: str,
        *,
        unsupported: str = "",
        renamed: str = "",
        limit: tuple[float, float] | None = None,
        struck: bool = False,
    ) -> None:
        """What ``model`` does with the field: not received (``unsupported``, the reason;
        ``struck`` when it will not be received as things stand), received under the
        name ``renamed``, or clamped to ``limit``."""
        self._model = model
        self._unsupported, self._renamed, self._limit = unsupported, renamed, limit
        self._struck = struck
        self._refresh()

    def is_struck(self) -> bool:
        return self._struck

    # --- reactions ----------------------------------------------------------------

    def _toggled(self, checked: bool) -> None:
        if checked != self._sent:
            self._sent = checked
            self._refresh()
            self.changed.emit()

    def _value_changed(self, _value: object) -> None:
        if not self._sent:
            self._sent = True
        self._refresh()
        self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        inside_editor = self.editor.geometry().contains(event.position().toPoint())
        if inside_editor and not self._sent and self._available:
            self.set_sent(True)
            self.editor.setFocus(Qt.FocusReason.MouseFocusReason)
            event.accept()
            return
        super().mousePressEvent(event)

    # --- display ------------------------------------------------------------------

    def _refresh(self) -> None:
        active = self._sent and self._available
        self.toggle.blockSignals(True)
        self.toggle.setChecked(self._sent)
        self.toggle.blockSignals(False)
        self.toggle.setEnabled(self._available)
        self.editor.setEnabled(active)
        self.reset_button.setEnabled(not self.is_default())
        self.reset_button.setToolTip(
            f"Reset: send {format_value(self.spec.initial_value())} (the default)"
            if self.spec.on_by_default
            else "Reset: not sent"
        )
        font = self.toggle.font()
        font.setStrikeOut(self._struck)
        self.toggle.setFont(font)
        self._refresh_marker()
        self._refresh_hint()

    def _refresh_marker(self) -> None:
        symbols: list[str] = []
        tips: list[str] = []
        name, model = self.spec.top_level, self._model
        if self._unsupported:
            symbols.append("⊘")
            tips.append(f"{model} does not receive {name}. {self._unsupported}")
        if self._renamed:
            symbols.append("⇄")
            tips.append(f"Sent to {model} as {self._renamed}.")
        if self._limit is not None:
            low, high = (format_value(float(bound)) for bound in self._limit)
            symbols.append("⇥")
            tips.append(f"{model} takes {low} to {high}; a value outside is moved to the edge.")
        self.marker.setText(" ".join(symbols))
        self.marker.setToolTip("\n".join(tips))
        self.marker.setVisible(bool(symbols))

    def _clamp_note(self) -> str:
        value = self.editor.value()
        if self._limit is None or isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        low, high = self._limit
        if low <= value <= high:
            return ""
        edge = format_value(float(min(max(value, low), high)))
        return (
            f"{format_value(value)} is sent to {self._model} as {edge}: it takes "
            f"{format_value(float(low))} to {format_value(float(high))}."
        )

    def _refresh_hint(self) -> None:
        warning = False
        if not self._available:
            text = self._requires_reason
        elif not self._sent:
            text = self.spec.not_sent_hint()
        elif self._struck:
            text, warning = f"Not sent to {self._model}: {self._unsupported}", True
        elif clamp := self._clamp_note():
            text, warning = clamp, True
        elif self._renamed:
            text = f"Sent to {self._model} as {self._renamed}."
        else:
            text = ""
        palette = self.hint.palette()
        color = WARNING_COLOR if warning else palette.color(QPalette.ColorRole.PlaceholderText)
        palette.setColor(QPalette.ColorRole.WindowText, color)
        self.hint.setPalette(palette)
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
