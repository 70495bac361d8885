"""The curl command of a request: the key masked or revealed, shell quoting, headers."""

from __future__ import annotations

import json
import shlex
import subprocess

from core.endpoint import Endpoint
from core.request import curl_command
from tests.core.request_support import sent

ANYFAST = "https://www.anyfast.ai/v1/chat/completions"


def _split(command: str) -> list[str]:
    """shlex does not join backslash-newline continuations the way a shell does."""
    return shlex.split(command.replace(" \\\n", " "))


def _argv_through_bash(command: str) -> list[str]:
    script = 'curl() { printf "%s\\0" "$@"; }\n' + command
    assert subprocess.run(["bash", "-n", "-c", script], check=False).returncode == 0
    out = subprocess.run(["bash", "-c", script], capture_output=True, check=True).stdout
    return out.decode().split("\0")[:-1]


JSON_HEADER = ["-H", "Content-Type: application/json"]


def test_curl_masks_the_key_and_round_trips() -> None:
    body = sent({"stream": True, "stop": ["it's", '"q"', "$HOME `x` \\n"]})
    command = curl_command(Endpoint("https://www.anyfast.ai", "sk-abcdefghijklmnopwxyz"), body)
    assert command.splitlines()[:4] == [
        f"curl {ANYFAST} \\",
        "  -H 'Content-Type: application/json' \\",
        "  -H 'Authorization: Bearer sk-…wxyz' \\",
        "  --no-buffer \\",
    ]
    assert command.splitlines()[4].startswith("  -d '{")
    expected = [ANYFAST, *JSON_HEADER, "-H", "Authorization: Bearer sk-…wxyz", "--no-buffer", "-d"]
    for argv in (_split(command)[1:], _argv_through_bash(command)):
        assert argv[:-1] == expected
        assert json.loads(argv[-1]) == body
    assert "abcdefghijklmnop" not in command


def test_curl_reveals_a_key_with_a_single_quote() -> None:
    key = 'sk-it\'s-$(echo no)-`echo no`-"key"-1234'
    body = sent({"user": "o'brien"})
    command = curl_command(Endpoint("https://www.anyfast.ai/v1", key), body, reveal_key=True)
    argv = _argv_through_bash(command)
    assert argv[:-1] == [ANYFAST, *JSON_HEADER, "-H", f"Authorization: Bearer {key}", "-d"]
    assert json.loads(argv[-1]) == body
    assert _split(command)[1:] == argv
    assert "--no-buffer" not in command


def test_curl_without_key_and_with_custom_headers() -> None:
    headers = {"X-Title": "Chorus", "X-Api-Key": "secret-value-9876"}
    endpoint = Endpoint("localhost:8080", headers=headers)
    argv = _split(curl_command(endpoint, {"model": "m", "messages": []}))
    assert argv[:-1] == [
        "curl",
        "http://localhost:8080/v1/chat/completions",
        *JSON_HEADER,
        *("-H", "X-Title: Chorus", "-H", "X-Api-Key: sec…9876", "-d"),
    ]
    revealed = _split(curl_command(endpoint, {"model": "m"}, reveal_key=True))
    assert "X-Api-Key: secret-value-9876" in revealed
