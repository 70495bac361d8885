"""Helpers shared by the request tests: a model no rule matches and the body it gets."""

from __future__ import annotations

from collections.abc import Mapping

from core.request import build_body

LOCAL = "local-model"  # matches no rule: bodies are exactly what params say
HI: list[dict[str, object]] = [{"role": "user", "content": "hi"}]


def sent(params: Mapping[str, object], model: str = LOCAL, **kw: bool | None) -> dict[str, object]:
    return build_body(model, HI, params, **kw).body
