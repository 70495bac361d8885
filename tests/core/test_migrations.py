"""Every older chat format opens: a fixture file per version, written as that version did.

``tests/fixtures/chats/v<N>/`` holds real files of format N. Each is read through the
migration table up to the current format, saved, and read again unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import pytest

from core.storage import format as chat_format
from core.storage.chat_store import ChatStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chats"
OLDER = [
    pytest.param(path, id=f"{path.parent.name}/{path.name}")
    for path in sorted(FIXTURES.glob("v*/*.json"))
    if int(path.parent.name[1:]) < chat_format.CHAT_VERSION
]


def test_every_older_version_has_a_fixture_and_a_migration() -> None:
    for version in range(1, chat_format.CHAT_VERSION):
        assert list((FIXTURES / f"v{version}").glob("*.json")), f"no fixture for format {version}"
        assert version in chat_format.MIGRATIONS


@pytest.mark.parametrize("fixture", OLDER)
def test_older_file_opens_saves_in_the_current_version_and_reopens_the_same(
    fixture: Path, tmp_path: Path
) -> None:
    shutil.copy(fixture, tmp_path / fixture.name)
    store = ChatStore(tmp_path, fsync=False)
    chat = store.load(fixture.stem)
    assert store.problems == [] and not store.quarantine_folder.exists()
    assert [s.id for s in store.list_chats()] == [fixture.stem]
    store.save(chat)
    saved = msgspec.json.decode((tmp_path / fixture.name).read_bytes())
    assert saved["version"] == chat_format.CHAT_VERSION
    assert store.load(fixture.stem) == chat


def test_v1_request_id_becomes_the_response_id() -> None:
    chat = chat_format.decode_chat_file((FIXTURES / "v1" / "chat.json").read_bytes())
    assert chat.title == "Boiling eggs" and chat.pinned and chat.system_prompt
    first, regenerated = chat.children("a000000000000001")
    assert first.stats is not None and regenerated.stats is not None
    assert (first.stats.response_id, first.stats.request_id) == ("chatcmpl-AbC123", "")
    assert first.stats.usage is not None and first.stats.usage.total_tokens == 20
    assert regenerated.status == "stopped" and regenerated.stats.response_id == "chatcmpl-DeF456"
    failed = chat.branch()[-1]
    assert failed.status == "error" and failed.error is not None
    assert failed.error.request_id == "req_789"  # an error's id was the header all along
    assert [m.id for m in chat.branch()][-2:] == ["a000000000000004", "a000000000000005"]


def test_v1_comparison_columns_are_migrated_too() -> None:
    cmp = chat_format.decode_chat_file((FIXTURES / "v1" / "compare.json").read_bytes())
    assert cmp.kind == "compare"
    ids = [col.branch()[-1].stats for col in cmp.columns]
    assert [s.response_id for s in ids if s] == ["chatcmpl-col1", "msg_col2"]
    assert cmp.columns[1].overridden == ["temperature"]
