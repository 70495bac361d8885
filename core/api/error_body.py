"""Reading what a server sent with an error: JSON in its usual shapes, HTML pages,
plain text, request ids and ``Retry-After``; and masking anything that looks like a key.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec

from core.endpoint import mask_key

MIN_SECRET_LENGTH = 8  # shorter keys ("x", "none") would mask ordinary words
REQUEST_ID_HEADERS = (
    "x-request-id",
    "request-id",
    "x-oneapi-request-id",
    "openai-request-id",
    "x-amzn-requestid",
    "cf-ray",
)

# --- masking and text --------------------------------------------------------------

_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+")
_SK_KEY = re.compile(r"\bsk-[A-Za-z0-9_\-*]{6,}")
_QUERY_KEY = re.compile(r"(?i)([?&](?:api[_-]?key|key|token|access_token)=)[^&#\s]+")
_TAGS = re.compile(r"<[^>]*>")
_SCRIPTS = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")
_SPACE = re.compile(r"\s+")
_HTML_START = re.compile(r"(?is)\s*<(!doctype\s+html|html|head|body|title|h1)\b")


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with bearer tokens, ``sk-`` keys, key query parameters and ``secrets`` masked."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, mask_key(secret))
    text = _BEARER.sub(r"\1***", text)
    text = _SK_KEY.sub(lambda m: mask_key(m.group(0)), text)
    return _QUERY_KEY.sub(r"\1***", text)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _squash(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()


def looks_like_html(text: str, content_type: str = "") -> bool:
    return "html" in content_type.lower() or bool(_HTML_START.match(text[:200]))


def html_excerpt(text: str) -> str:
    """The title and first heading of an HTML page, else its visible text."""
    parts: list[str] = []
    for tag in ("title", "h1"):
        found = re.search(rf"(?is)<{tag}\b[^>]*>(.*?)</{tag}\s*>", text)
        part = _squash(found.group(1)) if found else ""
        if part and not any(part.casefold() in p.casefold() for p in parts):
            parts.append(part)
    if parts:
        return " — ".join(parts)
    return _squash(_SCRIPTS.sub(" ", text))


def body_excerpt(body: bytes, content_type: str = "") -> str:
    """A short readable excerpt of a non-JSON body (HTML or text), unmasked and unclipped."""
    text = body[: 256 * 1024].decode("utf-8", "replace")
    if looks_like_html(text, content_type):
        return html_excerpt(text)
    return _SPACE.sub(" ", text).strip()


# --- reading bodies and headers ----------------------------------------------------


@dataclass(slots=True)
class ParsedBody:
    detail: str = ""
    code: str = ""
    kind: str = ""
    request_id: str = ""
    retry_after_s: float | None = None
    status: int | None = None  # a status the body names (``"code": 401``)


_BODY_REQUEST_ID = re.compile(r"(?i)request[ _-]?id[:=]\s*([A-Za-z0-9_\-.]+)")
_BODY_RETRY = re.compile(
    r"(?i)(?:try again|retry)\s+(?:in|after)\s+(\d+(?:\.\d+)?)\s*"
    r"(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b"
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return msgspec.json.encode(value).decode()


def _detail_of(obj: dict[str, Any]) -> str:
    err = obj.get("error")
    if isinstance(err, dict):
        for key in ("message", "msg", "detail"):
            if err.get(key):
                return _text(err[key])
    elif isinstance(err, str) and err:
        return err
    for key in ("message", "msg", "error_msg"):
        if obj.get(key):
            return _text(obj[key])
    detail = obj.get("detail")
    if isinstance(detail, list):  # FastAPI validation errors
        msgs = [_text(d.get("msg", d)) if isinstance(d, dict) else _text(d) for d in detail if d]
        return "; ".join(m for m in msgs if m)
    if detail:
        return _text(detail)
    return _text(err) if err else _text(obj)


def _int_status(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
        return value
    if isinstance(value, str) and value.isdigit() and 400 <= int(value) <= 599:
        return int(value)
    return None


def parse_json_error(obj: Any) -> ParsedBody:
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        obj = obj[0]
    if not isinstance(obj, dict):
        return ParsedBody(detail=_text(obj))
    found = obj.get("error")
    err: dict[str, Any] = found if isinstance(found, dict) else {}
    code = err.get("code", obj.get("code"))
    kind = err.get("type", obj.get("type"))
    rid = err.get("request_id") or obj.get("request_id") or obj.get("requestId") or ""
    retry = err.get("retry_after", obj.get("retry_after"))
    status = _int_status(code) or _int_status(err.get("status", obj.get("status")))
    return ParsedBody(
        detail=_detail_of(obj),
        code="" if code is None else str(code),
        kind=kind if isinstance(kind, str) else "",
        request_id=str(rid),
        retry_after_s=float(retry) if isinstance(retry, int | float) else None,
        status=status,
    )


def parse_body(body: bytes, content_type: str) -> ParsedBody:
    stripped = body.strip()
    if not stripped:
        return ParsedBody()
    if stripped[:1] in (b"{", b"["):
        try:
            parsed = parse_json_error(msgspec.json.decode(stripped))
        except msgspec.DecodeError:
            pass
        else:
            if not parsed.request_id:
                found = _BODY_REQUEST_ID.search(parsed.detail)
                parsed.request_id = found.group(1) if found else ""
            return parsed
    return ParsedBody(detail=body_excerpt(body, content_type))


def request_id_from(headers: Mapping[str, str]) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    return next((lowered[h] for h in REQUEST_ID_HEADERS if lowered.get(h)), "")


def parse_retry_after(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP-date) or ``retry-after-ms``."""
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        if "retry-after" in lowered:
            return max(0.0, float(lowered["retry-after"]))
    except ValueError:
        pass
    value = lowered.get("retry-after")
    if not value:
        return None
    from email.utils import parsedate_to_datetime  # an HTTP-date is rare: import it late

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def retry_after_in_text(text: str) -> float | None:
    found = _BODY_RETRY.search(text)
    if not found:
        return None
    amount, unit = float(found.group(1)), found.group(2).lower()
    if unit.startswith("ms") or unit.startswith("milli"):
        return amount / 1000
    if unit.startswith("m"):
        return amount * 60
    return amount


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url
