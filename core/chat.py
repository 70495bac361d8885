"""The conversation data model shared by the client, the store and the UI.

A chat is a tree of messages: every message names its parent, so regenerating an
answer or editing a question adds a sibling and keeps the old branch. ``Chat.leaf``
names the message at the end of the branch on screen; the branch is the chain of
parents from there up to the root.

Everything here is a ``msgspec.Struct`` so it encodes to and decodes from the chat
file format (docs/FORMAT.md) directly.
"""

from __future__ import annotations

import time
import uuid
from typing import Literal

import msgspec

Role = Literal["system", "user", "assistant", "tool"]
ChatKind = Literal["chat", "compare"]
MessageStatus = Literal["done", "streaming", "stopped", "error"]


UNTITLED = "Untitled chat"  # how a chat without a title is named


def new_id() -> str:
    """A short random id, unique enough for messages and chats."""
    return uuid.uuid4().hex[:16]


def now() -> float:
    return time.time()


class ImagePart(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An image attached to a user message, sent as an ``image_url`` content part."""

    url: str  # a data: URL (base64) or an http(s) URL
    name: str = ""
    detail: str = ""  # "", "low", "high" or "auto"


class ToolCall(msgspec.Struct, kw_only=True, omit_defaults=True):
    index: int = 0
    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: str = ""  # JSON text, as concatenated from the stream


class TopLogprob(msgspec.Struct, array_like=True):
    token: str
    logprob: float


class TokenLogprob(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One generated token with its log probability and the runners-up."""

    token: str
    logprob: float
    top: list[TopLogprob] = []


class Usage(msgspec.Struct, kw_only=True, omit_defaults=True):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None


class ChoiceSnapshot(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One choice of an answer, as far as it has arrived."""

    index: int = 0
    content: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = []
    finish_reason: str | None = None
    refusal: str = ""
    logprobs: list[TokenLogprob] = []


class Completion(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An answer (streamed or not) as far as it has arrived, with its timings.

    ``ttft_s``: request sent to first content/reasoning/tool token.
    ``total_s``: request sent to the end (or to now, while streaming).
    ``tokens_per_s``: completion tokens (from ``usage`` when the server sent it,
    else one per content-bearing chunk) over the time from first to last token.
    """

    id: str = ""
    request_id: str = ""  # the HTTP response's request id header, when there was one
    model: str = ""
    created: int | None = None
    system_fingerprint: str = ""
    choices: list[ChoiceSnapshot] = []
    usage: Usage | None = None
    chunks: int = 0
    ttft_s: float | None = None
    total_s: float | None = None
    tokens_per_s: float | None = None
    estimated_tokens: int = 0  # content-bearing chunks seen: a stand-in when usage is absent
    done: bool = False  # [DONE] seen, or a non-streamed answer parsed


# ErrorInfo.kind of an answer that was streaming when Chorus died (status "stopped").
INTERRUPTED = "Interrupted"


class ErrorInfo(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A failed request as kept with the message: what to tell a person, and the raw detail."""

    kind: str  # the error class name, e.g. "AuthenticationError"
    message: str  # one sentence for a person
    status: int | None = None
    detail: str = ""  # the server's own message or body excerpt
    request_id: str = ""
    retry_after_s: float | None = None


class Stats(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What is shown under an answer."""

    model: str = ""  # the model the server says answered
    response_id: str = ""  # the completion's own "id" (chatcmpl-…)
    request_id: str = ""  # the response's x-request-id header, what a provider's support asks for
    ttft_s: float | None = None
    total_s: float | None = None
    tokens_per_s: float | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    estimated_tokens: int = 0  # chunks counted when the server sent no usage
    system_fingerprint: str = ""  # the backend configuration the server says answered


class Message(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str = msgspec.field(default_factory=new_id)
    parent: str | None = None
    role: Role = "user"
    content: str = ""
    images: list[ImagePart] = []
    reasoning: str = ""
    tool_calls: list[ToolCall] = []
    tool_call_id: str = ""
    name: str = ""
    # n > 1: every choice; content/reasoning/tool_calls mirror choices[chosen].
    choices: list[ChoiceSnapshot] = []
    chosen: int = 0
    model: str = ""  # the model asked (assistant messages)
    params: dict[str, object] = {}  # the parameters sent for this answer
    status: MessageStatus = "done"
    error: ErrorInfo | None = None
    stats: Stats | None = None
    created_at: float = msgspec.field(default_factory=now)
    # An answer branched from a token of another: the text sent as a trailing assistant
    # message for the server to continue, and the token probabilities of that text.
    # ``content`` starts with it; ``choices`` hold only what the server added.
    prefix: str = ""
    prefix_logprobs: list[TokenLogprob] = []
    repeat_of: str = ""  # a repeat of the identical request of this sibling answer


class Chat(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str = msgspec.field(default_factory=new_id)
    title: str = ""
    created_at: float = msgspec.field(default_factory=now)
    updated_at: float = msgspec.field(default_factory=now)
    pinned: bool = False
    profile: str = ""  # endpoint profile name
    model: str = ""
    system_prompt: str = ""
    params: dict[str, object] = {}  # parameter values that are set (not-set ones are absent)
    messages: list[Message] = []  # every message of every branch, in creation order
    leaf: str | None = None  # id of the last message of the branch on screen
    # A comparison (kind "compare") keeps no messages of its own: each column is a chat
    # with its own model, parameters and messages; ``params`` holds the shared set, and
    # a column's ``overridden`` names the parameters it sets differently.
    kind: ChatKind = "chat"
    columns: list[Chat] = []
    # the parameters set in this chat (comparison, column) itself, over the model's
    # defaults and the preset (see core.param_stack); ``preset``: the preset it loaded
    overridden: list[str] = []
    # MCP servers switched on for this chat or comparison, and the tools ("server/tool")
    # the person allowed to run here without asking.
    tool_servers: list[str] = []
    tool_allowed: list[str] = []
    preset: str = ""

    # --- the tree -----------------------------------------------------------------

    def by_id(self) -> dict[str, Message]:
        return {m.id: m for m in self.messages}

    def branch(self, leaf: str | None = None) -> list[Message]:
        """The messages from the root down to ``leaf`` (default: the current leaf)."""
        index = self.by_id()
        node = index.get(leaf if leaf is not None else self.leaf or "")
        path: list[Message] = []
        while node is not None:
            path.append(node)
            node = index.get(node.parent) if node.parent is not None else None
        path.reverse()
        return path

    def children(self, parent: str | None) -> list[Message]:
        return [m for m in self.messages if m.parent == parent]

    def siblings(self, message_id: str) -> list[Message]:
        """The message and its alternatives (same parent), oldest first."""
        index = self.by_id()
        msg = index.get(message_id)
        if msg is None:
            return []
        return self.children(msg.parent)

    def newest_leaf_under(self, message_id: str) -> str:
        """Follow the newest child from ``message_id`` down to a leaf."""
        current = message_id
        while True:
            kids = self.children(current)
            if not kids:
                return current
            current = max(kids, key=lambda m: m.created_at).id

    def switch_to(self, message_id: str) -> None:
        """Show the branch that goes through ``message_id``."""
        self.leaf = self.newest_leaf_under(message_id)

    def append(self, message: Message) -> Message:
        """Add ``message`` under the current leaf and make it the leaf."""
        if message.parent is None and self.leaf is not None:
            message.parent = self.leaf
        self.messages.append(message)
        self.leaf = message.id
        self.updated_at = now()
        return message

    def add_sibling(self, of: str, message: Message) -> Message:
        """Add ``message`` beside ``of`` (same parent) and make it the leaf."""
        original = self.by_id()[of]
        message.parent = original.parent
        self.messages.append(message)
        self.leaf = message.id
        self.updated_at = now()
        return message

    def remove(self, message_id: str) -> list[Message]:
        """Remove a message and everything under it; returns what was removed."""
        doomed = {message_id}
        changed = True
        while changed:
            changed = False
            for m in self.messages:
                if m.parent in doomed and m.id not in doomed:
                    doomed.add(m.id)
                    changed = True
        removed = [m for m in self.messages if m.id in doomed]
        if not removed:
            return []
        parent = removed[0].parent
        self.messages = [m for m in self.messages if m.id not in doomed]
        if self.leaf in doomed:
            remaining = self.children(parent)
            if remaining:
                self.leaf = self.newest_leaf_under(max(remaining, key=lambda m: m.created_at).id)
            else:
                self.leaf = parent
        self.updated_at = now()
        return removed
