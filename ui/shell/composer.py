"""The message composer: a growing text box, Send / Stop, and image attachments."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QBuffer, QEvent, QIODevice, QMimeData, QObject, QPoint, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QImageReader,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QPixmap,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.chat import ImagePart

SendWith = Literal["enter", "ctrl_enter"]
MAX_IMAGE_SIDE = 2048  # longer sides are scaled down to this before sending
MAX_LINES = 10  # the text box grows up to this many lines, then scrolls
THUMB_SIDE = 56
JPEG_QUALITY = 90
PNG_LIMIT = 4 * 1024 * 1024  # an opaque pasted image whose PNG is larger goes as JPEG
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.gif *.webp *.bmp)"
WARNING_COLOR = QColor("#c27c0e")
_PLACEHOLDERS: dict[SendWith, str] = {
    "enter": "Message · Enter to send, Shift+Enter for a new line",
    "ctrl_enter": "Message · Ctrl+Enter to send, Enter for a new line",
}


_DRAG_EVENTS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
_KEEP_ASPECT = Qt.AspectRatioMode.KeepAspectRatio
_SMOOTH = Qt.TransformationMode.SmoothTransformation


def _fitted(image: QImage) -> QImage:
    if max(image.width(), image.height()) <= MAX_IMAGE_SIDE:
        return image
    return image.scaled(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, _KEEP_ASPECT, _SMOOTH)


def _encoded(image: QImage, image_format: Literal["PNG", "JPEG"]) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    quality = JPEG_QUALITY if image_format == "JPEG" else -1
    image.save(buffer, image_format, quality)  # type: ignore[call-overload]  # stubs: bytes
    return bytes(buffer.data().data())


def _data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_data_url(image: QImage, *, photo: bool = False) -> str:
    """``image`` scaled to fit ``MAX_IMAGE_SIDE`` as a data URL: JPEG for a ``photo``
    without transparency, else PNG (JPEG too when an opaque PNG would be very large)."""
    image = _fitted(image)
    if photo and not image.hasAlphaChannel():
        return _data_url(_encoded(image, "JPEG"), "image/jpeg")
    png = _encoded(image, "PNG")
    if len(png) > PNG_LIMIT and not image.hasAlphaChannel():
        return _data_url(_encoded(image, "JPEG"), "image/jpeg")
    return _data_url(png, "image/png")


def _image_paths(mime: QMimeData) -> list[str]:
    urls = [url for url in mime.urls() if url.isLocalFile()]
    return [url.toLocalFile() for url in urls if url.path().lower().endswith(IMAGE_SUFFIXES)]


class Composer(QWidget):
    """Where a message is written and sent.

    Enter sends and Shift+Enter starts a new line (``set_send_with("ctrl_enter")``:
    Ctrl+Enter sends, Enter starts a new line). While generating the Send button is a
    Stop button and Esc stops. Images come from Attach image, a paste or a drop; they
    are shown as removable thumbnails and sent as data URLs. ``send_requested`` carries
    the text and the images; the composer keeps both until :meth:`clear` is called.
    """

    send_requested = Signal(str, list)
    stop_requested = Signal()
    cancel_requested = Signal()  # Esc while nothing is generating (e.g. stop editing)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setAcceptDrops(True)
        self._send_with: SendWith = "enter"
        self._generating = False
        self._reason: str | None = None
        self._vision = True
        self._images: list[ImagePart] = []
        self._thumbs: list[QWidget] = []
        self._pasted = 0
        self._dialog: QFileDialog | None = None

        self.reason_label = self._chip("composerReason")
        self.vision_label = self._chip("composerVision")
        self.vision_label.setText("⚠ The selected model does not take images; it may refuse them.")
        self.notice_label = self._chip("composerNotice")
        self.thumbs = QWidget(self)
        self._thumbs_layout = QHBoxLayout(self.thumbs)
        self._thumbs_layout.setContentsMargins(0, 0, 0, 0)
        self._thumbs_layout.addStretch(1)
        self.thumbs.hide()

        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("composerInput")
        self.editor.setAccessibleName("Message")
        self.editor.setTabChangesFocus(True)
        self.editor.installEventFilter(self)
        self.editor.viewport().installEventFilter(self)
        self.editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.editor.customContextMenuRequested.connect(self._context_menu)
        self.editor.textChanged.connect(self._update_send)
        layout_ = self.editor.document().documentLayout()
        layout_.documentSizeChanged.connect(self._fit_height)

        self.attach_button = QToolButton(self)
        self.attach_button.setObjectName("composerAttach")
        self.attach_button.setText("Attach image")
        self.attach_button.setToolTip("Attach images (or paste or drop them here)")
        self.attach_button.clicked.connect(self.choose_images)
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("composerSend")
        self.send_button.clicked.connect(self._send_clicked)

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.editor, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.vision_label)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.thumbs)
        layout.addLayout(row)
        self.set_send_with("enter")
        self._fit_height()

    def _chip(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        palette = label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, WARNING_COLOR)
        label.setPalette(palette)
        label.hide()
        return label

    # --- public -------------------------------------------------------------------

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.editor.moveCursor(QTextCursor.MoveOperation.End)

    def images(self) -> list[ImagePart]:
        return list(self._images)

    def clear(self) -> None:
        """Empties the text box and removes every attached image."""
        self.editor.clear()
        while self._images:
            self.remove_image(len(self._images) - 1)

    def focus_input(self) -> None:
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_send_with(self, mode: SendWith) -> None:
        """``"enter"``: Enter sends; ``"ctrl_enter"``: Ctrl+Enter sends."""
        if mode not in _PLACEHOLDERS:
            raise ValueError(f"send_with must be 'enter' or 'ctrl_enter', not {mode!r}")
        self._send_with = mode
        self.editor.setPlaceholderText(_PLACEHOLDERS[mode])
        self._update_send()

    def set_generating(self, generating: bool) -> None:
        """While generating, Send becomes Stop and Esc stops."""
        self._generating = generating
        self._update_send()

    def set_enabled_reason(self, reason: str | None) -> None:
        """A sentence why sending is not possible (shown), or None when it is."""
        self._reason = reason or None
        self.reason_label.setText(reason or "")
        self.reason_label.setVisible(bool(reason))
        self._update_send()

    def set_vision_supported(self, supported: bool) -> None:
        """Whether the model takes images; if not, attached images bring a warning."""
        self._vision = supported
        self._update_vision()

    # --- sending ------------------------------------------------------------------

    def can_send(self) -> bool:
        has_content = bool(self.text().strip() or self._images)
        return has_content and not self._generating and self._reason is None

    def _submit(self) -> None:
        if self.can_send():
            self.send_requested.emit(self.text().strip("\r\n").rstrip(), list(self._images))

    def _send_clicked(self) -> None:
        if self._generating:
            self.stop_requested.emit()
        else:
            self._submit()

    def _update_send(self) -> None:
        if self._generating:
            self.send_button.setText("Stop")
            self.send_button.setToolTip("Stop the answer (Esc)")
            self.send_button.setEnabled(True)
            return
        keys = "Enter" if self._send_with == "enter" else "Ctrl+Enter"
        self.send_button.setText("Send")
        self.send_button.setToolTip(self._reason or f"Send ({keys})")
        self.send_button.setEnabled(self.can_send())

    def _fit_height(self) -> None:
        lines = max(1, min(MAX_LINES, round(self.editor.document().size().height())))
        margins = self.editor.contentsMargins().top() + self.editor.contentsMargins().bottom()
        chrome = margins + 2 * (self.editor.frameWidth() + self.editor.document().documentMargin())
        height = round(lines * self.editor.fontMetrics().lineSpacing() + chrome)
        if height != self.editor.height():
            self.editor.setFixedHeight(height)

    # --- keys, paste and drop -----------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.editor and kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        if watched is self.editor.viewport() and kind in _DRAG_EVENTS:
            assert isinstance(event, QDropEvent)
            return self._drop(event)
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            ctrl = Qt.KeyboardModifier.ControlModifier
            sends = mods == ctrl or (self._send_with == "enter" and mods == Qt.KeyboardModifier(0))
            if sends:
                self._submit()
            else:
                self.editor.insertPlainText("\n")
            return True
        if key == Qt.Key.Key_Escape:
            (self.stop_requested if self._generating else self.cancel_requested).emit()
            return True
        return event.matches(QKeySequence.StandardKey.Paste) and self.paste_images()

    def paste_images(self, *, text_first: bool = True) -> bool:
        """Attaches the clipboard's images (or image files). With ``text_first``, text on
        the clipboard wins and False is returned, so the text box pastes it."""
        mime = QGuiApplication.clipboard().mimeData()
        return mime is not None and self._attach_mime(mime, text_first=text_first)

    def _attach_mime(self, mime: QMimeData, *, text_first: bool) -> bool:
        paths = _image_paths(mime)
        if paths:
            self.attach_files(paths)
            return True
        if text_first and mime.hasText() and mime.text().strip():
            return False
        if mime.hasImage():
            data = mime.imageData()
            image = data.toImage() if isinstance(data, QPixmap) else data
            if isinstance(image, QImage) and not image.isNull():
                self._pasted += 1
                self.attach_image(image, f"pasted-image-{self._pasted}.png")
                return True
        return False

    def _drop(self, event: QDropEvent) -> bool:
        mime = event.mimeData()
        if not (_image_paths(mime) or mime.hasImage()):
            return False
        if event.type() == QEvent.Type.Drop:
            self._attach_mime(mime, text_first=False)
        event.acceptProposedAction()
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._drop(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop(event)

    def _context_menu(self, position: QPoint) -> None:
        menu = self.editor.createStandardContextMenu(position)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and (_image_paths(mime) or mime.hasImage()):
            first = menu.actions()[0] if menu.actions() else None
            action = menu.addAction("Paste image")
            action.triggered.connect(lambda: self.paste_images(text_first=False))
            if first is not None:
                menu.insertAction(first, action)
        menu.popup(self.editor.viewport().mapToGlobal(position))

    # --- attachments --------------------------------------------------------------

    def choose_images(self) -> None:
        """Opens a file dialog (not modal to the app's loop) to pick images."""
        if self._dialog is None:
            self._dialog = QFileDialog(self, "Attach images", "", IMAGE_FILTER)
            self._dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            self._dialog.filesSelected.connect(self.attach_files)
        self._dialog.open()

    def attach_files(self, paths: Iterable[str]) -> None:
        """Attaches each readable image file; others are reported in the warning line."""
        failed: list[str] = []
        for path in paths:
            reader = QImageReader(path)
            reader.setAutoTransform(True)
            photo = bytes(reader.format().data()).lower() in (b"jpeg", b"jpg")
            size = reader.size()  # decode big photos straight at the size that is sent
            if max(size.width(), size.height()) > MAX_IMAGE_SIDE:
                reader.setScaledSize(size.scaled(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, _KEEP_ASPECT))
            image = reader.read()
            if image.isNull():
                failed.append(Path(path).name)
                continue
            self.attach_image(image, Path(path).name, photo=photo)
        self.notice_label.setText(f"Could not read {', '.join(failed)} as an image.")
        self.notice_label.setVisible(bool(failed))

    def attach_image(self, image: QImage, name: str, *, photo: bool = False) -> None:
        """Attaches ``image`` (scaled to fit ``MAX_IMAGE_SIDE``) as a data URL."""
        part = ImagePart(url=image_data_url(image, photo=photo), name=name)
        self._images.append(part)
        thumb = QWidget(self.thumbs)
        thumb.setObjectName("composerThumb")
        row = QHBoxLayout(thumb)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        picture = QLabel(thumb)
        thumbnail = image.scaled(THUMB_SIDE, THUMB_SIDE, _KEEP_ASPECT, _SMOOTH)
        picture.setPixmap(QPixmap.fromImage(thumbnail))
        size_kb = max(1, round(len(part.url) * 3 / 4 / 1024))
        picture.setToolTip(f"{name} · {image.width()}×{image.height()} · {size_kb} KB")
        remove = QToolButton(thumb)
        remove.setObjectName("composerThumbRemove")
        remove.setText("×")
        remove.setToolTip(f"Remove {name}")
        remove.setAccessibleName(f"Remove {name}")
        remove.clicked.connect(lambda: self.remove_image(self._thumbs.index(thumb)))
        row.addWidget(picture)
        row.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
        self._thumbs_layout.insertWidget(len(self._thumbs), thumb)
        self._thumbs.append(thumb)
        self._attachments_changed()

    def remove_image(self, index: int) -> None:
        del self._images[index]
        thumb = self._thumbs.pop(index)
        thumb.hide()
        thumb.deleteLater()
        self._attachments_changed()

    def _attachments_changed(self) -> None:
        self.thumbs.setVisible(bool(self._images))
        self._update_vision()
        self._update_send()

    def _update_vision(self) -> None:
        self.vision_label.setVisible(bool(self._images) and not self._vision)
