"""The page protocol: what the window asks of the page on screen.

The window shows one page at a time (a chat, a comparison; an evaluation matrix and an
arena are pages too) and forwards every menu action, shortcut and panel edit to it. A page
says what it cannot do and why (:meth:`Page.why_not`): the window disables that action and
shows the reason as its tooltip. Nothing outside a page asks which kind of page it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # the window's first paint imports this module: it stays light
    from core.chat import Chat, ImagePart, Message
    from core.endpoint import Endpoint
    from core.param_stack import ParamState
    from core.pricing import ModelPrice
    from core.request import BuiltRequest


class Command(StrEnum):
    SEND = "send"
    STOP = "stop"
    REGENERATE = "regenerate"
    CHOOSE_MODEL = "choose_model"
    SYSTEM_PROMPT = "system_prompt"
    PARAMS = "params"
    EXPORT = "export"
    COPY_ALL = "copy_all"
    MERGE = "merge"


@dataclass(frozen=True, slots=True)
class Heading:
    """What the header shows for a page."""

    title: str  # on the model button: a model id, or "Comparison · 3 columns"
    detail: str = ""  # beside it: "vision · reasoning"
    profile: str = ""  # the endpoint profile in use
    system_prompt: str = ""
    cost: str = ""  # what the chat's answers cost so far: "$0.012", "cost unknown", ""


@dataclass(frozen=True, slots=True)
class ModelTarget:
    """Where a model chosen in the picker goes (a column, or every column)."""

    id: str
    label: str


ALL_TARGETS = "*"


@dataclass(frozen=True, slots=True)
class Preview:
    """The request a page would send next, for the Request tab."""

    endpoint: Endpoint | None
    built: BuiltRequest | None
    problem: str = ""  # why there is no body (a parameter the model cannot take)


class Page(QObject):
    """A screen of the window. Subclasses implement what they can do; what they cannot
    is refused by :meth:`why_not` with a sentence."""

    changed = Signal()  # heading, generating or what the page can do changed
    listed = Signal(object)  # Chat: a saved chat or comparison whose summary changed
    answer_finished = Signal(object)  # Message: an answer ended (for the Sampling tab)
    open_requested = Signal(str)  # the id of a saved chat to show (e.g. "Continue with this")
    model_choice_requested = Signal(str)  # a model target: open the picker for it
    answer_streaming = Signal(object, object)  # Message, its token probabilities so far
    sampling_requested = Signal(object)  # Message: show it in the Sampling tab
    # Chat (the thread), Message (the original): its repeats changed, or the report was asked
    repeats_changed = Signal(object, object)
    report_requested = Signal(object, object)

    name = "page"

    @property
    def widget(self) -> QWidget:
        raise NotImplementedError

    def heading(self) -> Heading:
        return Heading(title="")

    def why_not(self, command: Command) -> str | None:
        """None when ``command`` can run now, else a sentence saying why not."""
        return "Not available here."

    def is_generating(self) -> bool:
        return False

    def shown_chat_id(self) -> str | None:
        """The id of the saved chat or comparison on screen (for the chat list)."""
        return None

    def open_copy(self, chat_id: str) -> Chat | None:
        """The page's copy in memory of a saved chat, if the page holds it."""
        return None

    async def close_chat(self, chat_id: str) -> bool:
        """Stop and let go of ``chat_id`` (it is being deleted); True if it was shown."""
        return False

    def activate(self) -> None:
        """The page came on screen."""

    def deactivate(self) -> None:
        """Another page is coming on screen."""

    def set_theme(self, theme: str) -> None: ...
    def set_text_size(self, points: int) -> None: ...

    # --- commands ------------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart]) -> bool:
        return False

    def stop(self) -> None: ...
    def regenerate(self) -> None: ...

    def model(self) -> str:
        """The model the picker marks as current."""
        return ""

    def model_targets(self) -> list[ModelTarget]:
        """Where a chosen model can go; empty when the page has one model."""
        return []

    def default_model_target(self) -> str:
        return ""

    def set_model(self, model: str, target: str = "") -> None: ...

    def params(self) -> dict[str, object]:
        return {}

    def params_model(self) -> str:
        """The model whose rules the Parameters tab shows."""
        return self.model()

    def set_params(self, values: dict[str, object]) -> None: ...

    def param_sources(self) -> dict[str, str]:
        """Where each value the Parameters tab shows comes from (core.param_stack)."""
        return {}

    def params_note(self) -> str:
        """A line for the Parameters tab about what it does not show ("" for none)."""
        return ""

    def preset(self) -> str:
        """The preset loaded in what the Parameters tab edits ("" for none)."""
        return ""

    def apply_preset(self, name: str, values: dict[str, object]) -> None:
        """Load the preset ``name`` (its ``values``) into what the Parameters tab edits."""
        self.set_params(values)

    def shareable_params(self) -> ParamState:
        """The parameters without any model's defaults, for a new comparison to share."""
        from core.param_stack import ParamState

        return ParamState(self.params())

    def model_defaults_target(self) -> tuple[str, dict[str, object]]:
        """The model and the values that "Save as the model's defaults" saves."""
        return self.params_model(), self.params()

    def model_defaults_changed(self, model: str) -> None:
        """``model``'s saved defaults changed: what does not override them takes them."""

    def set_system_prompt(self, text: str) -> None: ...

    def copy_all(self) -> None:
        """Copy the whole conversation, as Markdown (the same text Export writes)."""

    def column_set(self) -> list[tuple[str, dict[str, object]]]:
        """The columns on screen (model, parameters) to save as a named set; [] if none."""
        return []

    def merge_answers(self) -> None:
        """Merge answers of several columns into one (a comparison)."""

    def cancel_edit(self) -> None:
        """Stop editing a message (Esc), if one is being edited."""

    def exported(self) -> Chat | None:
        """The chat or comparison that Export and Copy whole chat take."""
        return None

    def preview(self, next_text: str) -> Preview | None:
        return None

    def last_answer(self) -> Message | None:
        return None

    def set_profile(self, profile: str) -> None:
        """The active endpoint changed."""

    def tool_holder(self) -> Chat | None:
        """The chat or comparison whose MCP servers the header's switch turns on."""
        return None

    def set_tool_servers(self, servers: list[str], allowed: list[str]) -> None:
        """Switch these MCP servers on for :meth:`tool_holder`; ``allowed``: the tools it
        runs without asking."""

    def set_prices(self, prices: dict[str, ModelPrice]) -> None:
        """Cost answers at ``prices`` from now on."""

    # --- one answer: branch from a token, repeat, show --------------------------------

    def follows(self, message: Message) -> bool:
        """Whether the Sampling tab takes ``message`` when it finishes or streams (in a
        comparison: only the focused column's)."""
        return True

    def find_answer(self, message_id: str) -> tuple[Chat, Message] | None:
        """The thread (a chat or a column) holding answer ``message_id``, and the answer."""
        return None

    def branch_from_token(self, message_id: str, index: int, token: str) -> None:
        """Continue answer ``message_id`` from token ``index`` with ``token`` instead."""

    def repeat(self, message_id: str, count: int) -> None:
        """Send answer ``message_id``'s identical request ``count`` more times."""

    def show_message(self, message_id: str) -> None:
        """Show the branch holding ``message_id``."""

    def branch_note(self, message_id: str) -> str:
        """What can be said about branching from a token of answer ``message_id``."""
        return ""

    def answer_action(self, action: str, message_id: str, arg: object) -> None:
        """An answer's menu or link asked for ``action``: "repeat" (``arg`` times),
        "report" (its repeats' report) or "sampling" (show it in the Sampling tab)."""
        found = self.find_answer(message_id)
        if found is None:
            return
        thread, message = found
        if action == "repeat" and isinstance(arg, int):
            self.repeat(message_id, arg)
        elif action == "report":
            self.report_requested.emit(thread, message)
        elif action == "sampling":
            self.sampling_requested.emit(message)
