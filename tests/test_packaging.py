"""The packaging files: the .desktop entry, the build scripts, the spec's data files.
None of this needs a built bundle (packaging/smoke.sh checks one)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = ROOT / "resources" / "chorus.desktop"
SCRIPTS = ("build.sh", "smoke.sh")


def desktop_entry() -> dict[str, str]:
    lines = DESKTOP.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    entry = {}
    for line in lines[1:]:
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, line
            assert key not in entry, key
            entry[key] = value
    return entry


def test_desktop_entry_starts_chorus_with_its_icon() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Chorus"
    assert entry["Exec"].split()[0] == "chorus"
    assert entry["Icon"] == "chorus"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    # Qt sets WM_CLASS to ("chorus", "Chorus") from the executable and the app name.
    assert entry["StartupWMClass"] == "Chorus"


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="no desktop-file-validate"
)
def test_desktop_entry_is_valid() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # no warnings or hints either


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_are_executable_bash(name: str) -> None:
    script = ROOT / "packaging" / name
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_spec_bundles_files_that_exist() -> None:
    spec = (ROOT / "packaging" / "chorus.spec").read_text(encoding="utf-8")
    paths = [re.findall(r'"([^"]+)"', m) for m in re.findall(r'ROOT(?: / "[^"]+")+', spec)]
    assert ["resources", "icons"] in paths
    for parts in paths:
        assert ROOT.joinpath(*parts).exists(), parts
