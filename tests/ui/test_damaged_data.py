"""The app starts over damaged data: bad chat files are set aside and named, bad settings
are set aside and the defaults used, and the good chats open as usual."""

from __future__ import annotations

import json
from pathlib import Path

from core.chat import Chat, Message
from core.settings import Settings
from core.storage import format as chat_format
from core.storage.chat_store import ChatStore
from tests.ui.app_support import running_app

GOOD_ID = "good"
GARBAGE = bytes(range(256)) + b"\x00\xff\xfe not a chat \x89PNG\r\n\x1a\n"


def good_chat() -> Chat:
    question = Message(content="Is this chat still here?")
    answer = Message(parent=question.id, role="assistant", content="Yes, it is.", model="m")
    return Chat(
        id=GOOD_ID,
        title="The good chat",
        model="m",
        messages=[question, answer],
        leaf=answer.id,
    )


def chat_document(version: int, chat: object) -> bytes:
    return json.dumps(
        {"format": chat_format.CHAT_FORMAT, "version": version, "chat": chat}
    ).encode()


def write_damaged(chats: Path) -> dict[str, bytes]:
    """The damaged chat files by stem, with their bytes (b"" for the unreadable one)."""
    chats.mkdir(parents=True, exist_ok=True)
    whole = chat_format.encode_chat_file(good_chat())
    files = {
        "truncated": whole[: len(whole) // 2],
        "garbage": GARBAGE,
        "future": chat_document(99, {"id": "future", "title": "From the future"}),
        "wrong-shape": chat_document(1, {"id": "wrong-shape", "messages": "not a list"}),
    }
    for stem, data in files.items():
        (chats / f"{stem}.json").write_bytes(data)
    # Root reads any file whatever its mode: a folder named like a chat file cannot be read.
    unreadable = chats / "unreadable.json"
    unreadable.mkdir()
    (unreadable / "inside.txt").write_bytes(b"kept")
    files["unreadable"] = b""
    return files


def moved_files(chats: Path) -> dict[str, Path]:
    damaged = chats / "damaged"
    found = {path.name.split(".")[0]: path for path in damaged.iterdir()}
    assert len(found) == len(list(damaged.iterdir())), "a file was quarantined twice"
    return found


def set_aside(folder: Path) -> list[Path]:
    return sorted(folder.glob("settings.json.bad-*"))


async def test_damaged_chat_files_are_set_aside_and_named(gateway, tmp_path: Path) -> None:
    chats = tmp_path / "chats"
    files = write_damaged(chats)
    ChatStore(chats, fsync=False).save(good_chat())
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        problems = {p.path.stem: p for p in assembly.services.store.problems}
        assert set(problems) == set(files)
        assert problems["future"].kind == "newer"
        assert problems["unreadable"].kind == "unreadable"
        for stem in ("truncated", "garbage", "wrong-shape"):
            assert problems[stem].kind == "corrupt"

        assert window.notice_bar.isVisible()
        messages = window.notice_bar.messages
        for stem in files:
            named = [m for m in messages if f"{stem}.json" in m]
            assert len(named) == 1, f"{stem}.json is not named once in {messages!r}"
            assert "damaged" in named[0] and "Other chats are not affected" in named[0]
        newer = next(m for m in messages if "future.json" in m)
        assert "newer version of Chorus" in newer
        assert "not valid JSON" in next(m for m in messages if "garbage.json" in m)
        assert window.notice_bar.label.text() == "\n".join(messages[-3:])

        assert window.sidebar.visible_ids() == [GOOD_ID]
        chat = assembly.controller.chat
        assert chat is not None and chat.id == GOOD_ID
        rows = window.chat_page.view.rows()
        assert [r.message.content for r in rows] == ["Is this chat still here?", "Yes, it is."]
        assert [s.id for s in assembly.services.store.list_chats()] == [GOOD_ID]

    # Nothing was deleted: every damaged file is in chats/damaged/, byte for byte.
    moved = moved_files(chats)
    assert set(moved) == set(files)
    for stem, data in files.items():
        assert not (chats / f"{stem}.json").exists()
        assert problems[stem].moved_to == moved[stem]
        if stem == "unreadable":
            assert (moved[stem] / "inside.txt").read_bytes() == b"kept"
        else:
            assert moved[stem].read_bytes() == data
    assert (chats / f"{GOOD_ID}.json").is_file()


async def test_a_second_start_is_quiet(gateway, tmp_path: Path) -> None:
    chats = tmp_path / "chats"
    write_damaged(chats)
    ChatStore(chats, fsync=False).save(good_chat())
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        assert len(assembly.services.store.problems) == 5
    async with running_app(env) as assembly:
        assert assembly.services.store.problems == []
        assert assembly.window.notice_bar.messages == []
        assert assembly.window.sidebar.visible_ids() == [GOOD_ID]
    assert len(moved_files(chats)) == 5


async def test_corrupt_settings_are_set_aside_and_defaults_used(gateway, tmp_path: Path) -> None:
    bad = b'{"theme": "dark", "presets": {"mine": {"temperature": 0.1}}, "font_si'
    (tmp_path / "settings.json").write_bytes(bad)
    ChatStore(tmp_path / "chats", fsync=False).save(good_chat())
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        settings = assembly.services.settings
        defaults = Settings()
        assert settings.theme == defaults.theme == "system"
        assert settings.presets == {}
        assert settings.font_size == defaults.font_size
        assert window.notice_bar.isVisible()
        (message,) = window.notice_bar.messages
        assert "settings.json" in message and "default settings are in use" in message
        aside = list(set_aside(tmp_path))
        assert len(aside) == 1 and aside[0].read_bytes() == bad
        assert aside[0].name in message
        assert not (tmp_path / "settings.json").exists()
        assert window.sidebar.visible_ids() == [GOOD_ID]
        chat = assembly.controller.chat
        assert chat is not None and chat.id == GOOD_ID
    # Closing saved good settings; the bad copy is still kept.
    saved = json.loads((tmp_path / "settings.json").read_bytes())
    assert saved["theme"] == "system"
    assert [p.read_bytes() for p in set_aside(tmp_path)] == [bad]


async def test_settings_and_chats_damaged_together(gateway, tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_bytes(GARBAGE)
    chats = tmp_path / "chats"
    files = write_damaged(chats)
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        messages = assembly.window.notice_bar.messages
        assert len(messages) == len(files) + 1
        assert any("settings.json" in m and "default settings" in m for m in messages)
        for stem in files:
            assert any(f"{stem}.json" in m for m in messages)
        assert assembly.controller.chat is not None  # a new, empty chat
        assert assembly.window.sidebar.visible_ids() == []
    assert set(moved_files(chats)) == set(files)
    assert len(list(set_aside(tmp_path))) == 1


async def test_an_older_format_without_a_migration_is_set_aside(gateway, tmp_path: Path) -> None:
    """Chat format 1 is the first: there is no migration from 0, so a version-0 file cannot
    be converted and is quarantined with a message that says so."""
    assert 0 not in chat_format.MIGRATIONS
    chats = tmp_path / "chats"
    chats.mkdir()
    old = chat_document(0, {"id": "old", "title": "An old chat", "messages": []})
    (chats / "old.json").write_bytes(old)
    ChatStore(chats, fsync=False).save(good_chat())
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        (problem,) = assembly.services.store.problems
        assert problem.kind == "corrupt"
        (message,) = assembly.window.notice_bar.messages
        assert "old.json" in message
        assert "chat format 0" in message and "cannot convert" in message
        assert assembly.window.sidebar.visible_ids() == [GOOD_ID]
    (moved,) = (chats / "damaged").iterdir()
    assert moved.name.startswith("old.") and moved.read_bytes() == old
