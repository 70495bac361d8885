"""The header of a compare column: stats, errors, badges and the overrides label."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.chat import ErrorInfo, Stats, Usage
from ui.common.tone import tone_color
from ui.compare.column_header import CompareColumnHeader


def test_stats_line_and_error(qtbot: QtBot) -> None:
    header = CompareColumnHeader()
    qtbot.addWidget(header)
    header.resize(600, 80)
    header.show()
    qtbot.waitExposed(header)
    stats = Stats(
        ttft_s=0.4249, tokens_per_s=38.06, usage=Usage(completion_tokens=240), finish_reason="stop"
    )
    header.set_stats(stats, None)
    assert header.stats_text() == "TTFT 0.42 s · 38.1 tok/s · 240 tokens · stop"
    assert header.stats_label.text() == header.stats_text()  # wide enough: not shortened
    assert header.stats_label.property("tone") == "muted"
    assert "Completion tokens: 240" in header.stats_label.toolTip()

    header.set_stats(Stats(ttft_s=1.0, estimated_tokens=12), None)
    assert header.stats_text() == "TTFT 1.00 s · ~12 tokens"

    error = ErrorInfo(kind="RateLimitError", message="Rate limited: try again later.", status=429)
    header.set_stats(stats, error)
    assert header.stats_text() == "Rate limited: try again later."
    assert header.stats_label.property("tone") == "error"
    red = tone_color(QApplication.palette(), "error")
    assert header.stats_label.palette().color(QPalette.ColorRole.WindowText) == red
    assert "HTTP 429" in header.stats_label.toolTip()

    header.set_stats(None, None)
    assert header.stats_text() == "" and header.stats_label.property("tone") == "muted"


def test_long_stats_are_shortened_to_the_label(qtbot: QtBot) -> None:
    header = CompareColumnHeader()
    qtbot.addWidget(header)
    header.resize(200, 80)
    header.show()
    qtbot.waitExposed(header)
    header.set_stats(
        Stats(
            ttft_s=0.42,
            tokens_per_s=38.1,
            usage=Usage(completion_tokens=240),
            finish_reason="length",
        ),
        None,
    )
    shown = header.stats_label.text()
    assert shown != header.stats_text() and shown.endswith("…")


def test_badges(qtbot: QtBot) -> None:
    header = CompareColumnHeader()
    qtbot.addWidget(header)
    header.set_marks({"longest", "fastest_tps", "something_else"})
    assert header.badge_texts() == ["fastest tok/s", "longest"]
    header.set_marks({"fastest_ttft"})
    assert header.badge_texts() == ["fastest TTFT"]
    assert header.marks() == ["fastest_ttft"]
    header.set_marks(set())
    assert header.badge_texts() == []


def test_overrides_label(qtbot: QtBot) -> None:
    header = CompareColumnHeader()
    qtbot.addWidget(header)
    assert header.params_button.text() == "Params"
    header.set_overrides(["temperature", "top_p"])
    assert header.params_button.text() == "2 overrides"
    assert "temperature, top_p" in header.params_button.toolTip()
    assert header.params_button.font().bold()
    header.set_overrides(["seed"])
    assert header.params_button.text() == "1 override"
    header.set_overrides([])
    assert header.params_button.text() == "Params" and not header.params_button.font().bold()
