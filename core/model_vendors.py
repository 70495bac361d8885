"""Which vendor makes a model, for the picker's headings: from the model id first and the
server's ``owned_by`` only as a fallback.
"""

from __future__ import annotations

import re

OTHER = "Other"


# Model id → vendor. A pattern matches at the start of the id or right after "/", ":"
# or ".", so "anthropic/claude-…", "us.anthropic.claude-…" and "ft:gpt-…" are found too.
# The first matching row wins.
_VENDOR_TABLE: tuple[tuple[str, str], ...] = (
    (r"claude", "Anthropic"),
    (
        r"gpt|chatgpt|o\d+(?:-|$)|text-embedding|dall-e|whisper|tts-|davinci|babbage|"
        r"codex|omni-moderation|text-moderation|sora",
        "OpenAI",
    ),
    (r"gemini|gemma|imagen|veo-|learnlm|palm", "Google"),
    (r"deepseek", "DeepSeek"),
    (r"qwen|qwq|qvq", "Qwen (Alibaba)"),
    (r"doubao|seedream|seedance|seed-oss", "Doubao (ByteDance)"),
    (r"kimi|moonshot", "Moonshot AI"),
    (r"grok", "xAI"),
    (r"glm|chatglm|cogview|cogvideo|codegeex", "Zhipu (GLM)"),
    (r"minimax|abab", "MiniMax"),
    (r"llama|codellama", "Meta"),
    (r"mistral|mixtral|codestral|ministral|pixtral|magistral|devstral|voxtral", "Mistral"),
    (r"command|c4ai|aya-", "Cohere"),
    (r"ernie", "Baidu (ERNIE)"),
    (r"hunyuan", "Tencent (Hunyuan)"),
    (r"yi-", "01.AI"),
    (r"step-", "StepFun"),
    (r"phi-", "Microsoft"),
    (r"nova-|titan-", "Amazon"),
    (r"jamba", "AI21"),
    (r"nemotron", "NVIDIA"),
    (r"sonar", "Perplexity"),
)
_VENDOR_RULES = tuple(
    (re.compile(rf"(?:^|[/:.])(?:{pattern})"), vendor) for pattern, vendor in _VENDOR_TABLE
)

# owned_by → vendor, used only when the id says nothing.
_OWNED_BY = {
    **dict.fromkeys(("openai", "azure"), "OpenAI"),
    **dict.fromkeys(("google", "vertex-ai", "gemini"), "Google"),
    **dict.fromkeys(("xai", "x-ai"), "xAI"),
    **dict.fromkeys(("volcengine", "bytedance"), "Doubao (ByteDance)"),
    **dict.fromkeys(("ali", "alibaba", "dashscope"), "Qwen (Alibaba)"),
    **dict.fromkeys(("moonshot", "moonshotai"), "Moonshot AI"),
    **dict.fromkeys(("zhipu", "zhipuai"), "Zhipu (GLM)"),
    **dict.fromkeys(("mistral", "mistralai"), "Mistral"),
    **dict.fromkeys(("aws", "bedrock"), "AWS"),
    "anthropic": "Anthropic",
    "deepseek": "DeepSeek",
    "minimax": "MiniMax",
    "meta": "Meta",
}
# owned_by values that name no one useful (local servers and generic gateway values).
_OWNED_BY_MEANINGLESS = frozenset(
    {"", "system", "user", "library", "custom", "organization_owner", "organization-owner"}
)


def vendor_of(model_id: str, owned_by: str = "") -> str:
    """The vendor's display name, from the id first and ``owned_by`` only as a fallback.

    ``owned_by`` often names the host (AnyFast reports "aws" for Claude), so it labels
    a model only when the id matches no row of the table; an unknown value is shown
    capitalised, and no value at all gives ``"Other"``.
    """
    lowered = model_id.strip().lower()
    for pattern, vendor in _VENDOR_RULES:
        if pattern.search(lowered):
            return vendor
    owner = owned_by.strip()
    if owner.lower() in _OWNED_BY_MEANINGLESS:
        return OTHER
    return _OWNED_BY.get(owner.lower(), owner[:1].upper() + owner[1:])
