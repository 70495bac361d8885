"""What answers cost, on screen: the stats line, the chat, the comparison column, the
price table in Settings (edit, import, export, offers from the endpoint) and the usage
view, against the loopback gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core.chat import Message, Stats, Usage
from core.pricing import ModelPrice, read_price_file
from tests.gateway.server import with_prices
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from tests.ui.chat_view_support import docs_of, settle
from ui.app import Assembly
from ui.pricing.prices_dialog import PricesDialog
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow
from ui.usage.usage_dialog import UsageDialog

PRICE = ModelPrice(input=2.0, output=8.0)  # $ per million: 4+N tokens cost well under a cent


@pytest.fixture
async def assembly(gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as built:
        built.window.set_model("gpt-4o-mini")
        yield built


async def _ask(assembly: Assembly, text: str = "hello") -> None:
    window = assembly.window
    window.composer.send_requested.emit(text, [])
    await wait_until(lambda: not window.page.is_generating())


def test_the_stats_line_says_the_cost_or_that_it_is_unknown(view: ChatView) -> None:
    usage = Usage(prompt_tokens=1000, completion_tokens=500)
    row = MessageRow(
        Message(role="assistant", model="m", content="Hi", stats=Stats(model="m", usage=usage))
    )
    view.set_rows([row])
    settle(view)
    assert "cost" not in docs_of(view, row.id).plain_text("foot")  # no price table given
    view.set_prices({})
    settle(view)
    assert "1000+500 tokens · cost unknown" in docs_of(view, row.id).plain_text("foot")
    view.set_prices({"m": ModelPrice(input=1, output=2)})
    settle(view)
    assert "1000+500 tokens · $0.0020" in docs_of(view, row.id).plain_text("foot")


async def test_a_chat_and_its_answers_show_their_cost(assembly: Assembly) -> None:
    window = assembly.window
    await _ask(assembly)
    assert window.header.cost_label.text() == "This chat: cost unknown"
    view = window.chat_page.view
    answer = assembly.controller.chat.branch()[-1]
    assert "cost unknown" in docs_of(view, answer.id).plain_text("foot")
    assembly.services.prefs.set(prices={"gpt-4o-mini": PRICE})
    settle(view)
    foot = docs_of(view, answer.id).plain_text("foot")
    assert "$0.0001" in foot or "<$0.0001" in foot
    assert window.header.cost_label.text().startswith("This chat: ")
    assert "unknown" not in window.header.cost_label.text()


async def test_each_comparison_column_shows_its_cost(assembly: Assembly) -> None:
    window = assembly.window
    assembly.services.prefs.set(prices={"gpt-4o-mini": PRICE})
    window.menu_actions["compare"].trigger()
    await _ask(assembly)
    cmp = assembly.comparisons.comparison
    first, second = (window.compare_page.view.column(c.id) for c in cmp.columns)
    priced = [h.header for h in (first, second) if h.header.stats_text()]
    texts = [header.stats_text() for header in priced]
    assert any("$" in t for t in texts) or any("cost unknown" in t for t in texts)
    column_of = {c.model: window.compare_page.view.column(c.id) for c in cmp.columns}
    mini = column_of["gpt-4o-mini"].header
    assert "$" in mini.stats_text() and "This column so far: " in mini.stats_label.toolTip()
    assert window.header.cost_label.isVisible()


async def test_the_price_table_is_edited_and_saved(assembly: Assembly, qtbot: QtBot) -> None:
    services = assembly.services
    dialog = PricesDialog(services, assembly.notifier, assembly.window, model="gpt-4o-mini")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.add_button.click()
    row = dialog.row_of("gpt-4o-mini")
    assert row == 0
    dialog.table.item(row, 1).setText("0.15")
    dialog.table.item(row, 2).setText("abc")
    dialog.save()
    assert dialog.isVisible() and dialog.problem.isVisible()  # nothing lost
    assert "“abc”, is not a number" in dialog.problem.text()
    assert services.settings.prices == {}
    dialog.table.item(row, 2).setText("0.6")
    dialog.save()
    assert not dialog.isVisible()
    assert services.settings.prices == {"gpt-4o-mini": ModelPrice(input=0.15, output=0.6)}


async def test_prices_are_imported_and_exported(
    assembly: Assembly, qtbot: QtBot, tmp_path: Path
) -> None:
    services = assembly.services
    services.prefs.set(prices={"mine": ModelPrice(input=1, output=1)})
    dialog = PricesDialog(services, assembly.notifier, assembly.window)
    qtbot.addWidget(dialog)
    source = tmp_path / "in.csv"
    source.write_text(
        "model,input_per_million,output_per_million,cached_input_per_million\n"
        "mine,3,4,\nnew-one,0.5,1.5,0.25\n"
    )
    assert dialog.import_file(str(source)) == 2
    assert dialog.prices()["mine"] == ModelPrice(input=3, output=4)
    broken = tmp_path / "bad.csv"
    broken.write_text("model,input_per_million,output_per_million\nx,cheap,1\n")
    assert dialog.import_file(str(broken)) == 0
    assert "bad.csv was not imported: Line 2" in assembly.window.notice_bar.label.text()
    for name in ("out.json", "out.csv"):
        assert dialog.export_file(str(tmp_path / name))
        back = read_price_file((tmp_path / name).read_bytes(), name)
        assert back["new-one"].cached_input == 0.25 and back["mine"].input == 3
    dialog.reject()
    assert services.settings.prices["mine"].input == 1  # Cancel keeps the old table


async def test_prices_offered_by_the_endpoint_never_replace_yours_unasked(
    assembly: Assembly, qtbot: QtBot, gateway
) -> None:
    gateway.models = with_prices(gateway.models)
    services = assembly.services
    services.prefs.set(prices={"gpt-4o-mini": ModelPrice(input=9, output=9)})
    dialog = PricesDialog(services, assembly.notifier, assembly.window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.fetch_offers()
    await wait_until(lambda: dialog.offers.offers())
    states = {o.model: o.state for o in dialog.offers.offers()}
    assert states == {"gateway-model": "new", "gateway-reasoner": "new", "gpt-4o-mini": "differs"}
    assert set(dialog.offers.ticked()) == {"gateway-model", "gateway-reasoner"}
    dialog.offers.set_ticked("gateway-reasoner", False)
    dialog.offers.add_button.click()
    dialog.save()
    prices = services.settings.prices
    assert prices["gpt-4o-mini"] == ModelPrice(input=9, output=9)  # yours stays
    assert prices["gateway-model"].input == pytest.approx(0.5)
    assert prices["gateway-model"].source.endswith("/models")
    assert "gateway-reasoner" not in prices


async def test_the_usage_view_sums_tokens_and_cost_from_the_files(
    assembly: Assembly, qtbot: QtBot, tmp_path: Path
) -> None:
    window = assembly.window
    await _ask(assembly, "first")
    window.set_model("gateway-model")
    await _ask(assembly, "second")
    assembly.services.prefs.set(prices={"gpt-4o-mini": PRICE})
    await assembly.runner.flush()
    window.menu_actions["usage"].trigger()
    dialog = window.findChild(UsageDialog)
    assert dialog is not None and dialog.isVisible()
    await wait_until(dialog.loaded)
    days = [r for r in dialog.rows() if r.answers]
    assert len(days) == 1 and days[0].answers == 2 and days[0].unknown == 1
    dialog.set_group("model")
    models = {r.key: r for r in dialog.rows()}
    assert set(models) == {"gpt-4o-mini", "gateway-model"}
    assert models["gateway-model"].cost_text() == "unknown"
    assert "$" in models["gpt-4o-mini"].cost_text()
    assert dialog.table.rowCount() == 2 and dialog.chart.rows()
    dialog.set_metric("cost")
    assert not dialog.chart.grab().toImage().isNull()
    dialog.set_group("endpoint")
    assert [r.key for r in dialog.rows()] == ["Environment (OPENAI_BASE_URL)"]
    assert "2 answers" in dialog.summary.text() and "on this computer" in dialog.summary.text()
    out = tmp_path / "usage.csv"
    assert dialog.export_csv(str(out))
    assert out.read_text().splitlines()[0].startswith("endpoint,answers,prompt_tokens")
    dialog.set_period("All time")
    dialog.set_group("day")
    assert sum(r.answers for r in dialog.rows()) == 2
    dialog.close()


def test_usage_has_a_menu_entry_and_shortcut() -> None:
    from PySide6.QtGui import QKeySequence

    from ui.shell.actions import MENUS

    specs = {spec.name: spec for specs in MENUS.values() for spec in specs}
    assert QKeySequence(specs["usage"].shortcut) == QKeySequence("Ctrl+Shift+U")
    assert specs["prices"].text == "&Prices…"
