"""The one way an answer's figures are written for a person: the stats line and its
tooltip, used under answers in the transcript and in a compare column's header."""

from __future__ import annotations

from core.chat import Stats


def stats_text(stats: Stats, *, model: bool = True, prompt: bool = True, cost: str = "") -> str:
    """'model · TTFT 0.42 s · 38.1 tok/s · 12+240 tokens · $0.0031 · stop' (missing parts
    left out).

    Without ``model`` the model is left out; without ``prompt`` only the completion
    tokens are counted ("240 tokens"). Tokens come from the server's usage; without it,
    the counted chunks, marked "~" as an estimate. ``cost`` (from
    :func:`core.pricing.cost_text`: "$0.0031" or "cost unknown") follows the tokens.
    """
    parts = []
    if model and stats.model:
        parts.append(stats.model)
    if stats.ttft_s is not None:
        parts.append(f"TTFT {stats.ttft_s:.2f} s")
    if stats.tokens_per_s is not None:
        parts.append(f"{stats.tokens_per_s:.1f} tok/s")
    usage = stats.usage
    completion = usage.completion_tokens if usage is not None else None
    if prompt and usage is not None and (usage.prompt_tokens is not None or completion):
        sent = usage.prompt_tokens if usage.prompt_tokens is not None else "?"
        got = completion if completion is not None else "?"
        parts.append(f"{sent}+{got} tokens")
    elif not prompt and completion is not None:
        parts.append(f"{completion} token{'' if completion == 1 else 's'}")
    elif stats.estimated_tokens:
        suffix = " (no usage from the server)" if prompt else ""
        parts.append(f"~{stats.estimated_tokens} tokens{suffix}")
    if cost:
        parts.append(cost)
    if stats.finish_reason:
        parts.append(stats.finish_reason)
    return " · ".join(parts)


def stats_tooltip(stats: Stats) -> str:
    """Every figure of ``stats``, one per line."""
    lines: list[str] = []
    if stats.model:
        lines.append(f"Answered by {stats.model}")
    if stats.ttft_s is not None:
        lines.append(f"Time to first token: {stats.ttft_s:.3f} s")
    if stats.total_s is not None:
        lines.append(f"Total time: {stats.total_s:.2f} s")
    if stats.tokens_per_s is not None:
        lines.append(f"Speed: {stats.tokens_per_s:.1f} tokens/s")
    usage = stats.usage
    if usage is not None:
        for label, value in (
            ("Prompt tokens", usage.prompt_tokens),
            ("Completion tokens", usage.completion_tokens),
            ("Reasoning tokens", usage.reasoning_tokens),
            ("Cached tokens", usage.cached_tokens),
        ):
            if value is not None:
                lines.append(f"{label}: {value}")
    elif stats.estimated_tokens:
        lines.append(f"About {stats.estimated_tokens} tokens (the server sent no usage)")
    if stats.finish_reason:
        lines.append(f"Finish reason: {stats.finish_reason}")
    if stats.system_fingerprint:
        lines.append(f"System fingerprint: {stats.system_fingerprint}")
    return "\n".join(lines)
