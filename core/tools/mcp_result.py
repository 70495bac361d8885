"""An MCP tool result (``CallToolResult``) as the text and images of a ``tool`` message.

Read by attribute, so this module does not import the SDK: text blocks are joined,
structured content is JSON when there is no text, images become ``data:`` URLs,
embedded text resources are included and links are named.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from core.chat import ImagePart


class ToolOutcome(msgspec.Struct, kw_only=True):
    """What a tool returned: the text for the model, images, and whether it failed."""

    text: str
    images: list[ImagePart] = []
    is_error: bool = False


def outcome_of(result: Any) -> ToolOutcome:
    """The :class:`ToolOutcome` of an SDK ``CallToolResult``."""
    texts: list[str] = []
    images: list[ImagePart] = []
    for block in getattr(result, "content", None) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            texts.append(str(getattr(block, "text", "")))
        elif kind == "image":
            mime = getattr(block, "mime_type", None) or getattr(block, "mimeType", "image/png")
            images.append(ImagePart(url=f"data:{mime};base64,{getattr(block, 'data', '')}"))
        elif kind == "resource":
            resource = getattr(block, "resource", None)
            text = getattr(resource, "text", None)
            uri = str(getattr(resource, "uri", ""))
            texts.append(str(text) if text is not None else f"[resource {uri}]")
        elif kind == "resource_link":
            texts.append(f"[{getattr(block, 'name', '')}]({getattr(block, 'uri', '')})")
        elif kind == "audio":
            texts.append("[audio returned by the tool; not sent]")
    structured = getattr(result, "structured_content", None)
    if structured is None:
        structured = getattr(result, "structuredContent", None)
    if not texts and structured is not None:
        texts.append(json.dumps(structured, ensure_ascii=False, indent=2))
    is_error = bool(getattr(result, "is_error", False) or getattr(result, "isError", False))
    text = "\n".join(texts)
    if not text and not images:
        text = "(the tool returned nothing)"
    return ToolOutcome(text=text, images=images, is_error=is_error)
