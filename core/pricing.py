"""What answers cost: a price table per model, costs of answers and chats, price files.

Prices are US dollars per million tokens: ``input`` for prompt tokens, ``output`` for
completion tokens (reasoning tokens included, as servers count them) and, where a
gateway reports cached prompt tokens, ``cached_input`` for those (when it is not set,
cached tokens cost ``input``). A cost is computed from the server's ``usage`` and the
table as it is now; it is *unknown* (None, shown as "cost unknown", never $0) when the
model has no price or the server sent no usage.

The table is kept in the settings (``Settings.prices``); :func:`read_price_file` and
:func:`write_price_file` move it in and out as JSON or CSV, and :func:`offered_prices`
reads the prices an endpoint's ``GET /models`` carries (OpenRouter's ``pricing``,
LiteLLM's ``*_cost_per_token``), which are only ever offered, never applied unasked.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec

from core.chat import Chat, Message, Usage

PerMillion = Annotated[float, msgspec.Meta(ge=0)]
PER_MILLION = 1_000_000
UNKNOWN = "cost unknown"
CSV_HEADER = ("model", "input_per_million", "output_per_million", "cached_input_per_million")
PRICE_FILE_FORMAT = "chorus.prices"


class ModelPrice(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True):
    """The price of one model, in US dollars per million tokens."""

    input: PerMillion | None = None
    output: PerMillion | None = None
    cached_input: PerMillion | None = None
    source: str = ""  # "" when typed in; else where it was taken from ("OpenRouter /models")


class PriceFileError(ValueError):
    """A price file that cannot be read; ``str()`` is a sentence for a person."""


# --- looking up ------------------------------------------------------------------------


def _bare(model: str) -> str:
    """``openai/gpt-4o`` → ``gpt-4o``."""
    return model.rsplit("/", 1)[-1].lower()


def price_for(prices: Mapping[str, ModelPrice], *models: str) -> ModelPrice | None:
    """The price of the first of ``models`` the table has: exactly, then ignoring case and
    a vendor prefix (``openai/gpt-4o`` finds ``gpt-4o`` and the other way round)."""
    wanted = [m for m in models if m]
    for model in wanted:
        if model in prices:
            return prices[model]
    bare: dict[str, ModelPrice] = {}
    for key, price in prices.items():
        bare.setdefault(_bare(key), price)
    for model in wanted:
        if _bare(model) in bare:
            return bare[_bare(model)]
    return None


def usage_cost(usage: Usage | None, price: ModelPrice | None) -> float | None:
    """Dollars for ``usage`` at ``price``; None when either is missing or lacks a figure."""
    if usage is None or price is None or price.input is None or price.output is None:
        return None
    if usage.prompt_tokens is None or usage.completion_tokens is None:
        return None
    cached = min(max(usage.cached_tokens or 0, 0), usage.prompt_tokens)
    cached_rate = price.cached_input if price.cached_input is not None else price.input
    dollars = (
        (usage.prompt_tokens - cached) * price.input
        + cached * cached_rate
        + usage.completion_tokens * price.output
    )
    return dollars / PER_MILLION


def message_cost(message: Message, prices: Mapping[str, ModelPrice]) -> float | None:
    """The cost of an answer (None: unknown, or not an answer)."""
    if message.role != "assistant" or message.stats is None:
        return None
    price = price_for(prices, message.model, message.stats.model)
    return usage_cost(message.stats.usage, price)


def format_cost(dollars: float) -> str:
    """``$1.23``, ``$0.042``, ``$0.0031``, ``<$0.0001``; ``$0`` for nothing at all."""
    if dollars <= 0:
        return "$0"
    if dollars >= 1:
        return f"${dollars:,.2f}"
    if dollars >= 0.01:
        return f"${dollars:.3f}"
    if dollars >= 0.0001:
        return f"${dollars:.4f}"
    return "<$0.0001"


def cost_text(message: Message, prices: Mapping[str, ModelPrice]) -> str:
    """The cost of an answer for its stats line: ``$0.0031`` or ``cost unknown``; "" for a
    message that is not a finished answer."""
    if message.role != "assistant" or message.stats is None:
        return ""
    cost = message_cost(message, prices)
    return UNKNOWN if cost is None else format_cost(cost)


@dataclass(frozen=True, slots=True)
class CostTotal:
    """What several answers cost: the sum of the known costs and how many are unknown."""

    dollars: float = 0.0
    priced: int = 0  # answers whose cost is known
    unknown: int = 0  # answers whose cost is not

    def __add__(self, other: CostTotal) -> CostTotal:
        return CostTotal(
            self.dollars + other.dollars, self.priced + other.priced, self.unknown + other.unknown
        )

    def text(self) -> str:
        """``$0.042``; ``$0.042 + 3 answers of unknown cost``; ``cost unknown``; ""."""
        if not self.priced and not self.unknown:
            return ""
        if not self.priced:
            return UNKNOWN
        known = format_cost(self.dollars)
        if not self.unknown:
            return known
        answers = "answer" if self.unknown == 1 else "answers"
        return f"{known} + {self.unknown} {answers} of unknown cost"


def total_cost(messages: Iterable[Message], prices: Mapping[str, ModelPrice]) -> CostTotal:
    """The cost of every answer among ``messages`` that reached the server (has stats)."""
    dollars, priced, unknown = 0.0, 0, 0
    for message in messages:
        if message.role != "assistant" or message.stats is None:
            continue
        cost = message_cost(message, prices)
        if cost is None:
            unknown += 1
        else:
            dollars += cost
            priced += 1
    return CostTotal(dollars, priced, unknown)


def chat_cost(chat: Chat, prices: Mapping[str, ModelPrice]) -> CostTotal:
    """Every answer of every branch of a chat (of every column of a comparison)."""
    total = total_cost(chat.messages, prices)
    for column in chat.columns:
        total = total + total_cost(column.messages, prices)
    return total


# --- price files -------------------------------------------------------------------------


class _PriceFile(msgspec.Struct):
    format: str
    version: int
    prices: dict[str, ModelPrice]


def _checked(table: Mapping[str, Any]) -> dict[str, ModelPrice]:
    out: dict[str, ModelPrice] = {}
    for model, raw in table.items():
        if not isinstance(model, str) or not model.strip():
            raise PriceFileError("Every price needs a model id.")
        try:
            out[model.strip()] = msgspec.convert(raw, ModelPrice)
        except msgspec.ValidationError as exc:
            raise PriceFileError(f"The price of {model} is not valid: {exc}.") from None
    return out


def _number(text: str, what: str, line: int) -> float | None:
    cleaned = text.strip().lstrip("$").replace(",", "")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        message = f"Line {line}: the {what} price {text.strip()!r} is not a number."
        raise PriceFileError(message) from None
    if not math.isfinite(value) or value < 0:
        raise PriceFileError(f"Line {line}: the {what} price must be 0 or more.")
    return value


def _from_csv(text: str) -> dict[str, ModelPrice]:
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise PriceFileError("The file holds no prices.")
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:1] != ["model"]:
        raise PriceFileError(
            "A price CSV starts with the line: " + ",".join(CSV_HEADER) + " (it did not)."
        )
    column = {name: header.index(name) for name in CSV_HEADER if name in header}
    if "input_per_million" not in column or "output_per_million" not in column:
        raise PriceFileError("The CSV needs input_per_million and output_per_million columns.")
    out: dict[str, ModelPrice] = {}
    for number, row in enumerate(rows[1:], start=2):
        model = row[0].strip() if row else ""
        if not model:
            raise PriceFileError(f"Line {number} has no model id.")

        def cell(name: str, row: Sequence[str] = row) -> str:
            index = column.get(name)
            return row[index] if index is not None and index < len(row) else ""

        out[model] = ModelPrice(
            input=_number(cell("input_per_million"), "input", number),
            output=_number(cell("output_per_million"), "output", number),
            cached_input=_number(cell("cached_input_per_million"), "cached input", number),
        )
    return out


def read_price_file(data: bytes, name: str = "") -> dict[str, ModelPrice]:
    """The prices in a JSON (``{"format": "chorus.prices", ...}`` or a bare
    ``{model: {input, output, cached_input}}`` object) or CSV file. Raises
    :class:`PriceFileError`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PriceFileError("The file is not UTF-8 text.") from None
    stripped = text.lstrip()
    if name.lower().endswith(".csv") or not stripped.startswith(("{", "[")):
        return _from_csv(text)
    try:
        raw = msgspec.json.decode(stripped.encode())
    except msgspec.DecodeError:
        raise PriceFileError("The file is not valid JSON.") from None
    if not isinstance(raw, dict):
        raise PriceFileError("A price file holds a JSON object of models.")
    if raw.get("format") == PRICE_FILE_FORMAT:
        table = raw.get("prices")
        if not isinstance(table, dict):
            raise PriceFileError("The price file has no prices object.")
        return _checked(table)
    return _checked(raw)


def write_price_file(prices: Mapping[str, ModelPrice], kind: Literal["json", "csv"]) -> bytes:
    """The table as a price file (models sorted)."""
    ordered = {model: prices[model] for model in sorted(prices, key=str.lower)}
    if kind == "json":
        doc = _PriceFile(format=PRICE_FILE_FORMAT, version=1, prices=ordered)
        return msgspec.json.format(msgspec.json.encode(doc), indent=2) + b"\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for model, price in ordered.items():
        writer.writerow(
            [
                model,
                *(
                    "" if v is None else f"{v:g}"
                    for v in (price.input, price.output, price.cached_input)
                ),
            ]
        )
    return out.getvalue().encode()


# --- prices offered by an endpoint ---------------------------------------------------------


def _per_token(value: Any) -> float | None:
    """A per-token price (a number or a numeric string) as dollars per million; None for
    anything else, negative ("-1": variable, as OpenRouter marks its routers) included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return round(float(value) * PER_MILLION, 6)


def _offer(item: Mapping[str, Any], source: str) -> ModelPrice | None:
    pricing = item.get("pricing")
    if isinstance(pricing, Mapping):  # OpenRouter and gateways copying it: per token
        price = ModelPrice(
            input=_per_token(pricing.get("prompt")),
            output=_per_token(pricing.get("completion")),
            cached_input=_per_token(pricing.get("input_cache_read")),
            source=source,
        )
    else:
        info = item.get("model_info")
        where = info if isinstance(info, Mapping) else item
        price = ModelPrice(  # LiteLLM: per token
            input=_per_token(where.get("input_cost_per_token")),
            output=_per_token(where.get("output_cost_per_token")),
            cached_input=_per_token(where.get("cache_read_input_token_cost")),
            source=source,
        )
    if price.input is None or price.output is None:
        return None
    return price


def offered_prices(models: Iterable[Mapping[str, Any]], source: str) -> dict[str, ModelPrice]:
    """The prices the items of a ``GET /models`` list carry, by model id."""
    out: dict[str, ModelPrice] = {}
    for item in models:
        model = item.get("id")
        if isinstance(model, str) and model:
            price = _offer(item, source)
            if price is not None:
                out[model] = price
    return out


OfferState = Literal["new", "same", "differs"]


@dataclass(frozen=True, slots=True)
class Offer:
    """A price an endpoint offers, against the table: ``new`` (no price yet), ``same``
    (the figures match) or ``differs`` (the person's own price is different)."""

    model: str
    price: ModelPrice
    state: OfferState
    current: ModelPrice | None


def _same(a: ModelPrice, b: ModelPrice) -> bool:
    return (a.input, a.output, a.cached_input) == (b.input, b.output, b.cached_input)


def compare_offers(
    current: Mapping[str, ModelPrice], offered: Mapping[str, ModelPrice]
) -> list[Offer]:
    """Every offered price, models sorted; new ones first, then differing, then same."""
    offers = []
    for model, price in offered.items():
        mine = current.get(model)
        state: OfferState = "new" if mine is None else ("same" if _same(mine, price) else "differs")
        offers.append(Offer(model, price, state, mine))
    order = {"new": 0, "differs": 1, "same": 2}
    return sorted(offers, key=lambda o: (order[o.state], o.model.lower()))


def accept_offers(
    current: Mapping[str, ModelPrice], accepted: Iterable[Offer]
) -> dict[str, ModelPrice]:
    """``current`` with the accepted offers written in (a new table)."""
    table = dict(current)
    for offer in accepted:
        table[offer.model] = offer.price
    return table


# --- the evaluation workbench's names ----------------------------------------------------

Price = ModelPrice


def cost_of(usage: Usage | None, price: ModelPrice | None) -> float | None:
    """Dollars for ``usage`` at ``price``; None when either is unknown, or when tokens
    were used of a kind the price does not give."""
    if usage is None or price is None:
        return None
    if usage.prompt_tokens is None and usage.completion_tokens is None:
        return None
    prompt, completion = usage.prompt_tokens or 0, usage.completion_tokens or 0
    if (prompt and price.input is None) or (completion and price.output is None):
        return None
    return (prompt * (price.input or 0.0) + completion * (price.output or 0.0)) / PER_MILLION


def estimate_cost(
    prompt_tokens: int, completion_tokens: int, price: ModelPrice | None
) -> float | None:
    """Dollars for a planned request of that many tokens; None without a full price."""
    if price is None or price.input is None or price.output is None:
        return None
    return (prompt_tokens * price.input + completion_tokens * price.output) / PER_MILLION


def money(value: float | None) -> str:
    """``$0.0123``, or "unknown" (never $0 for a cost nobody knows)."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}"
    return f"${value:.2f}"
