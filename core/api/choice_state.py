"""The state of one choice while its answer streams in: text, reasoning, refusal,
tool calls and log probabilities, merged ``delta`` by ``delta``.

Text fragments are appended to lists and joined only when someone asks for the
text (the join is cached by replacing the list with its single joined string).
"""

from __future__ import annotations

from typing import Any

from core.chat import ChoiceSnapshot, TokenLogprob, ToolCall, TopLogprob

__all__ = ["ChoiceState", "joined_text", "text_of"]


def text_of(value: Any) -> str:
    """A text field that is not a plain string: content parts or anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(text_of(p.get("text") if isinstance(p, dict) else p) for p in value)
    return ""


def joined_text(parts: list[str]) -> str:
    """The text of ``parts``, leaving the list as one cached joined string."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return ""
    text = "".join(parts)
    parts[:] = [text]
    return text


def _logprob(raw: Any) -> TokenLogprob | None:
    if not isinstance(raw, dict):
        return None
    token = raw.get("token")
    logprob = raw.get("logprob")
    if not isinstance(token, str) or not isinstance(logprob, int | float):
        return None
    top: list[TopLogprob] = []
    for alt in raw.get("top_logprobs") or ():
        if isinstance(alt, dict):
            alt_token = alt.get("token")
            alt_logprob = alt.get("logprob")
            if isinstance(alt_token, str) and isinstance(alt_logprob, int | float):
                top.append(TopLogprob(alt_token, float(alt_logprob)))
    return TokenLogprob(token=token, logprob=float(logprob), top=top)


class _Tool:
    __slots__ = ("arguments", "id", "index", "name", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id = ""
        self.type = "function"
        self.name = ""
        self.arguments: list[str] = []

    def merge(self, raw: dict[str, Any]) -> None:
        """Take one ``tool_calls[]`` fragment: set id/type/name, append arguments."""
        value = raw.get("id")
        if value and isinstance(value, str):
            self.id = value
        value = raw.get("type")
        if value and isinstance(value, str):
            self.type = value
        function = raw.get("function")
        if isinstance(function, dict):
            value = function.get("name")
            if value and isinstance(value, str):
                self.name = value
            value = function.get("arguments")
            if value:
                self.arguments.append(value if isinstance(value, str) else text_of(value))

    def snapshot(self) -> ToolCall:
        return ToolCall(
            index=self.index,
            id=self.id,
            type=self.type,
            name=self.name,
            arguments=joined_text(self.arguments),
        )


class ChoiceState:
    """One choice of the answer: its fragments so far, by ``index``."""

    __slots__ = (
        "content",
        "finish_reason",
        "index",
        "logprobs",
        "logprobs_seen",
        "raw_logprobs",
        "reasoning",
        "refusal",
        "tools",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.tools: dict[int, _Tool] = {}
        self.finish_reason: str | None = None
        self.raw_logprobs: list[Any] = []
        self.logprobs_seen = 0
        self.logprobs: list[TokenLogprob] = []

    def merge_delta(self, delta: dict[str, Any]) -> bool:
        """Take one ``delta``; True when it carried text or a tool call."""
        carried = False
        for key, value in delta.items():
            if not value:
                continue
            if key == "content":
                self.content.append(value if value.__class__ is str else text_of(value))
                carried = True
            elif key == "reasoning_content" or (
                key == "reasoning" and not delta.get("reasoning_content")
            ):
                if value.__class__ is str:
                    self.reasoning.append(value)
                    carried = True
            elif key == "tool_calls":
                carried = self.merge_tools(value) or carried
            elif key == "refusal":
                self.refusal.append(value if value.__class__ is str else text_of(value))
                carried = True
        return carried

    def merge_tools(self, calls: Any) -> bool:
        """Take a delta's ``tool_calls``; True when it carried anything."""
        if not isinstance(calls, list):
            return False
        for position, raw in enumerate(calls):
            if not isinstance(raw, dict):
                continue
            index = raw.get("index")
            if not isinstance(index, int):
                # Servers that omit the index send complete calls, one per position.
                index = position
            tool = self.tools.get(index)
            if tool is None:
                tool = self.tools[index] = _Tool(index)
            tool.merge(raw)
        return True

    def converted_logprobs(self) -> list[TokenLogprob]:
        """The token probabilities so far, converted once each (the list itself: it
        grows as the stream goes on; callers must not change it)."""
        raw = self.raw_logprobs
        converted = self.logprobs
        if self.logprobs_seen < len(raw):
            for entry in raw[self.logprobs_seen :]:
                item = _logprob(entry)
                if item is not None:
                    converted.append(item)
            self.logprobs_seen = len(raw)
        return converted

    def snapshot(self) -> ChoiceSnapshot:
        converted = self.converted_logprobs()
        return ChoiceSnapshot(
            index=self.index,
            content=joined_text(self.content),
            reasoning=joined_text(self.reasoning),
            tool_calls=[self.tools[i].snapshot() for i in sorted(self.tools)],
            finish_reason=self.finish_reason,
            refusal=joined_text(self.refusal),
            logprobs=list(converted),
        )
