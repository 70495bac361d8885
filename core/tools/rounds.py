"""A tool round in a chat: an answer that calls tools, one ``tool`` message per call, and
the answer that goes on from there.

The results of a round form a chain under the answer that asked for them (the first
result's parent is the answer, the next result's parent the first result, …), so a round
is part of its branch like any message: saved, exported, branched and regenerated as one.
What is still to be answered is worked out from the branch alone (:func:`pending_calls`).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.chat import Chat, ErrorInfo, ImagePart, Message, ToolCall

DEFAULT_ROUND_LIMIT = 10
NOT_RUN = "No result: this tool call was not answered."
DECLINED = "The person declined to run this tool."


def ensure_call_ids(answer: Message) -> None:
    """Give calls the server sent without an id one (a result must name its call)."""
    for call in answer.tool_calls:
        if not call.id:
            call.id = f"call_{answer.id}_{call.index}"


def _round_of(branch: Sequence[Message]) -> tuple[Message | None, set[str]]:
    """The answer at the end of ``branch`` whose calls are being answered (after any
    results already given), and the ids of the calls answered."""
    given: set[str] = set()
    position = len(branch) - 1
    while position >= 0 and branch[position].role == "tool":
        given.add(branch[position].tool_call_id)
        position -= 1
    if position < 0:
        return None, given
    answer = branch[position]
    if answer.role != "assistant" or answer.status != "done" or not answer.tool_calls:
        return None, given
    return answer, given


def calling_answer(thread: Chat) -> Message | None:
    """The answer at the end of the branch on screen that called tools, if its round is
    still open or its results are the last messages."""
    return _round_of(thread.branch())[0]


def pending_calls(thread: Chat) -> list[ToolCall]:
    """The calls of the last answer on the branch on screen that have no result yet."""
    answer, given = _round_of(thread.branch())
    if answer is None:
        return []
    return [call for call in answer.tool_calls if call.id not in given]


def round_complete(thread: Chat) -> bool:
    """True when the branch ends with the results of every call of its last answer."""
    branch = thread.branch()
    answer, _ = _round_of(branch)
    return answer is not None and branch[-1].role == "tool" and not pending_calls(thread)


def rounds_in_a_row(thread: Chat) -> int:
    """How many answers in a row called tools since the last question on the branch."""
    count = 0
    for message in reversed(thread.branch()):
        if message.role == "user":
            break
        if message.role == "assistant" and message.tool_calls:
            count += 1
    return count


def _tail(thread: Chat, answer: Message) -> Message:
    """The last result given so far under ``answer`` (``answer`` itself when none)."""
    calls = {call.id for call in answer.tool_calls}
    tail = answer
    while True:
        results = [
            m for m in thread.children(tail.id) if m.role == "tool" and m.tool_call_id in calls
        ]
        if not results:
            return tail
        tail = max(results, key=lambda m: m.created_at)


def add_result(
    thread: Chat,
    answer: Message,
    call: ToolCall,
    content: str,
    *,
    images: Sequence[ImagePart] = (),
    error: ErrorInfo | None = None,
    source: str = "",
) -> Message:
    """The result of ``call`` as a ``tool`` message at the end of its round; the branch
    on screen goes through it. ``error``: the call failed (its sentence is also the
    content the model gets); ``source``: where the result came from (an MCP server)."""
    tail = _tail(thread, answer)
    message = Message(
        role="tool",
        parent=tail.id,
        tool_call_id=call.id,
        name=call.name,
        content=content,
        images=list(images),
        model=source,
        status="error" if error is not None else "done",
        error=error,
    )
    thread.append(message)
    return message
