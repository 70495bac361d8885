"""llama-cpp-python's OpenAI-compatible server with a Gemma chat format that continues a
trailing assistant message, as llama.cpp's own server (llama-server) does.

llama-cpp-python's "gemma" format closes every message and opens a new model turn, so a
conversation ending with an assistant message gets a new answer instead of the rest of
that one. "gemma-prefill" leaves a last assistant message open, so the model goes on
writing it: what Chorus needs to branch an answer from a token. Everything else is the
"gemma" format. Run as scripts/llama-server.sh does:

    python scripts/llama_prefill.py --model M.gguf --chat_format gemma-prefill ...
"""

from __future__ import annotations

import runpy
from typing import Any

from llama_cpp import llama_chat_format as formats

USER = "<start_of_turn>user\n"
MODEL = "<start_of_turn>model\n"
END = "<end_of_turn>\n"


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


@formats.register_chat_format("gemma-prefill")
def format_gemma_prefill(messages: list[dict[str, Any]], **kwargs: Any) -> Any:
    prompt = ""
    shown = [m for m in messages if m.get("role") != "system"]  # Gemma has no system turn
    for number, message in enumerate(shown, start=1):
        role = MODEL if message.get("role") == "assistant" else USER
        text = _text(message.get("content"))
        if number == len(shown) and role == MODEL:
            return formats.ChatFormatterResponse(prompt=prompt + role + text, stop=END)
        prompt += role + text + END
    return formats.ChatFormatterResponse(prompt=prompt + MODEL, stop=END)


if __name__ == "__main__":
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
