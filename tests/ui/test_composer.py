"""The composer: keys, Send / Stop, and image attachments by paste, drop and dialog."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QToolButton
from pytestqt.qtbot import QtBot

from core.chat import ImagePart
from ui.shell.composer import MAX_IMAGE_SIDE, Composer


def make_composer(qtbot: QtBot) -> Composer:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.resize(600, 200)
    with qtbot.waitExposed(composer):
        composer.show()
    composer.focus_input()
    return composer


def solid_image(width: int, height: int, color: str = "teal") -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    return image


def decoded(part: ImagePart) -> QImage:
    _, _, payload = part.url.partition(",")
    image = QImage()
    assert image.loadFromData(base64.b64decode(payload))
    return image


def test_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    QTest.keyClicks(composer.editor, "first")
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(composer.editor, "second")
    assert composer.text() == "first\nsecond"
    with qtbot.waitSignal(composer.send_requested) as blocker:
        QTest.keyClick(composer.editor, Qt.Key.Key_Return)
    assert blocker.args == ["first\nsecond", []]
    assert composer.text() == "first\nsecond"  # kept until the owner calls clear()
    composer.clear()
    assert composer.text() == ""


def test_ctrl_enter_mode(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    composer.set_send_with("ctrl_enter")
    assert "Ctrl+Enter to send" in composer.editor.placeholderText()
    QTest.keyClicks(composer.editor, "a")
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer.editor, Qt.Key.Key_Return)
    QTest.keyClicks(composer.editor, "b")
    assert composer.text() == "a\nb"
    with qtbot.waitSignal(composer.send_requested) as blocker:
        QTest.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["a\nb", []]
    with pytest.raises(ValueError):
        composer.set_send_with("alt_enter")  # type: ignore[arg-type]


def test_empty_text_without_images_does_not_send(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    QTest.keyClicks(composer.editor, "   ")
    assert not composer.send_button.isEnabled()
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer.editor, Qt.Key.Key_Return)
        composer.send_button.click()


def test_send_button_becomes_stop_while_generating(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    QTest.keyClicks(composer.editor, "next question")
    composer.set_generating(True)
    assert composer.send_button.text() == "Stop" and composer.send_button.isEnabled()
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer.editor, Qt.Key.Key_Return)
    with qtbot.waitSignal(composer.stop_requested):
        QTest.keyClick(composer.editor, Qt.Key.Key_Escape)
    with qtbot.waitSignal(composer.stop_requested):
        QTest.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    composer.set_generating(False)
    assert composer.send_button.text() == "Send"
    with qtbot.assertNotEmitted(composer.stop_requested):
        QTest.keyClick(composer.editor, Qt.Key.Key_Escape)
    with qtbot.waitSignal(composer.send_requested):
        QTest.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)


def test_enabled_reason_blocks_sending_and_is_shown(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    QTest.keyClicks(composer.editor, "hello")
    composer.set_enabled_reason("Add an API key to start")
    assert composer.reason_label.isVisible()
    assert composer.reason_label.text() == "Add an API key to start"
    assert not composer.send_button.isEnabled()
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer.editor, Qt.Key.Key_Return)
    composer.set_enabled_reason(None)
    assert not composer.reason_label.isVisible() and composer.send_button.isEnabled()


def test_paste_an_image_attaches_a_png_data_url(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    QGuiApplication.clipboard().setImage(solid_image(40, 30))
    QTest.keyClick(composer.editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    images = composer.images()
    assert len(images) == 1
    assert images[0].url.startswith("data:image/png;base64,")
    assert decoded(images[0]).size().toTuple() == (40, 30)
    assert composer.text() == ""
    assert composer.thumbs.isVisible()
    with qtbot.waitSignal(composer.send_requested) as blocker:
        QTest.keyClick(composer.editor, Qt.Key.Key_Return)  # an image alone may be sent
    assert blocker.args == ["", images]


def test_paste_of_text_still_pastes_text(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    QGuiApplication.clipboard().setText("from the clipboard")
    QTest.keyClick(composer.editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert composer.text() == "from the clipboard" and composer.images() == []


def test_removing_a_thumbnail_removes_the_image(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    composer.attach_image(solid_image(10, 10, "red"), "red.png")
    composer.attach_image(solid_image(10, 10, "blue"), "blue.png")
    assert [part.name for part in composer.images()] == ["red.png", "blue.png"]
    buttons = composer.thumbs.findChildren(QToolButton)
    remove = [button for button in buttons if button.accessibleName() == "Remove red.png"]
    assert len(remove) == 1
    QTest.mouseClick(remove[0], Qt.MouseButton.LeftButton)
    assert [part.name for part in composer.images()] == ["blue.png"]
    composer.remove_image(0)
    assert composer.images() == [] and not composer.thumbs.isVisible()


def test_large_images_are_downscaled(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    composer.attach_image(solid_image(4096, 1024), "wide.png")
    image = decoded(composer.images()[0])
    assert (image.width(), image.height()) == (MAX_IMAGE_SIDE, 512)


def test_jpeg_files_stay_jpeg(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    assert solid_image(300, 200).save(str(path))
    composer = make_composer(qtbot)
    composer.attach_files([str(path)])
    (part,) = composer.images()
    assert part.url.startswith("data:image/jpeg;base64,") and part.name == "photo.jpg"
    assert decoded(part).size().toTuple() == (300, 200)


def test_unreadable_file_is_reported(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"not an image")
    composer = make_composer(qtbot)
    composer.attach_files([str(path)])
    assert composer.images() == []
    assert composer.notice_label.isVisible() and "broken.png" in composer.notice_label.text()


def test_drop_of_an_image_file(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "dropped.png"
    assert solid_image(20, 20).save(str(path))
    composer = make_composer(qtbot)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(composer.editor.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(composer.editor.viewport(), drop)
    assert drop.isAccepted()
    assert [part.name for part in composer.images()] == ["dropped.png"]
    assert composer.text() == ""


def test_attach_button_opens_a_dialog_without_blocking(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "chosen.png"
    assert solid_image(12, 12).save(str(path))
    composer = make_composer(qtbot)
    QTest.mouseClick(composer.attach_button, Qt.MouseButton.LeftButton)
    dialog = composer.findChild(QFileDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.filesSelected.emit([str(path)])
    dialog.reject()
    assert [part.name for part in composer.images()] == ["chosen.png"]


def test_vision_warning_appears_with_images_on_a_text_only_model(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    composer.set_vision_supported(False)
    assert not composer.vision_label.isVisible()
    composer.attach_image(solid_image(8, 8), "a.png")
    assert composer.vision_label.isVisible()
    composer.set_vision_supported(True)
    assert not composer.vision_label.isVisible()


def test_input_grows_with_its_text_up_to_a_limit(qtbot: QtBot) -> None:
    composer = make_composer(qtbot)
    one_line = composer.editor.height()
    composer.set_text("a\nb\nc")
    qtbot.waitUntil(lambda: composer.editor.height() > one_line)
    three_lines = composer.editor.height()
    composer.set_text("\n".join("x" * 40))
    qtbot.waitUntil(lambda: composer.editor.height() > three_lines)
    tall = composer.editor.height()
    assert tall < one_line * 11
    composer.clear()
    qtbot.waitUntil(lambda: composer.editor.height() == one_line)
