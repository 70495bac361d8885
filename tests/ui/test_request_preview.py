"""The request preview shows the exact body, the rule adjustments, and copies safely."""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from core.endpoint import Endpoint
from core.request import build_body, preview_json
from ui.params.request_preview import PLACEHOLDER_BASE_URL, REFRESH_MS, RequestPreview

KEY = "sk-live-0123456789abcdefSECRET"
MESSAGES = [{"role": "user", "content": "Say hi"}]


def make_preview(qtbot: QtBot) -> RequestPreview:
    preview = RequestPreview()
    qtbot.addWidget(preview)
    preview.resize(600, 500)
    with qtbot.waitExposed(preview):
        preview.show()
    return preview


def test_shows_the_exact_body_and_the_adjustments(qtbot: QtBot) -> None:
    preview = make_preview(qtbot)
    built = build_body("gpt-5", MESSAGES, {"temperature": 0.4, "max_tokens": 300, "stream": True})
    preview.set_request(Endpoint("https://www.anyfast.ai", KEY), built)
    qtbot.waitUntil(lambda: preview.body_text() != "")
    assert preview.body_text() == preview_json(built.body)
    assert json.loads(preview.body_text()) == built.body
    assert '"max_completion_tokens": 300' in preview.body_text()
    assert "temperature" not in preview.body_text()
    assert preview.adjustments.isVisible()
    lines = preview.adjustment_lines()
    assert any(line.startswith("⇄ max_tokens: Sent as max_completion_tokens") for line in lines)
    assert any(line.startswith("⊘ temperature: Not sent") for line in lines)
    assert preview.target.text() == "POST https://www.anyfast.ai/v1/chat/completions"
    assert KEY not in preview.target.text() + preview.body_text()


def test_updates_are_debounced_to_the_latest_request(qtbot: QtBot) -> None:
    preview = make_preview(qtbot)
    for step in range(30):
        preview.set_request(None, build_body("gpt-4o", MESSAGES, {"temperature": step / 20}))
    assert preview.body_text() == ""  # nothing rendered synchronously
    qtbot.wait(REFRESH_MS * 2)
    assert json.loads(preview.body_text())["temperature"] == 29 / 20
    assert not preview.adjustments.isVisible()


def test_hidden_preview_renders_when_shown(qtbot: QtBot) -> None:
    preview = RequestPreview()
    qtbot.addWidget(preview)
    built = build_body("gpt-4o", MESSAGES, {"n": 2})
    preview.set_request(None, built)
    qtbot.wait(REFRESH_MS * 2)
    assert preview.body_text() == ""
    preview.show()
    qtbot.waitUntil(lambda: preview.body_text() == preview_json(built.body))


def test_copy_json_copies_the_body_as_sent(qtbot: QtBot) -> None:
    preview = make_preview(qtbot)
    image = "data:image/png;base64," + "A" * 400
    messages = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": image}}]}]
    built = build_body("gpt-4o", messages, {"top_p": 0.3})
    preview.set_request(None, built)
    preview.flush()
    assert image not in preview.body_text()  # shortened on screen
    preview.copy_json_button.click()
    copied = QGuiApplication.clipboard().text()
    assert json.loads(copied) == built.body  # in full on the clipboard
    assert preview.copy_json_button.text() == "Copied"
    qtbot.waitUntil(lambda: preview.copy_json_button.text() == "Copy JSON", timeout=3000)


def test_copy_as_curl_masks_the_key(qtbot: QtBot) -> None:
    preview = make_preview(qtbot)
    built = build_body("gpt-4o", MESSAGES, {"stream": True})
    preview.set_request(Endpoint("https://www.anyfast.ai/v1", KEY), built)
    preview.copy_curl_button.click()
    curl = QGuiApplication.clipboard().text()
    assert curl.startswith("curl https://www.anyfast.ai/v1/chat/completions")
    assert KEY not in curl
    assert "Authorization: Bearer sk-…CRET" in curl
    assert "--no-buffer" in curl


def test_copy_as_curl_without_an_endpoint_uses_a_placeholder(qtbot: QtBot) -> None:
    preview = make_preview(qtbot)
    assert not preview.copy_curl_button.isEnabled()
    preview.set_request(None, build_body("gpt-4o", MESSAGES, {}))
    assert preview.copy_curl_button.isEnabled()
    preview.copy_curl_button.click()
    curl = QGuiApplication.clipboard().text()
    assert curl.startswith(f"curl {PLACEHOLDER_BASE_URL}/chat/completions")
    assert "Authorization" not in curl
