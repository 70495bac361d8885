"""Memory and disk footprint: idle RSS of the app, size of the virtual environment.

(a) ``main.py`` is started as a process (offscreen Qt, an empty CHORUS_DATA_DIR, no
    endpoint in the environment); 10 s later its VmRSS is read from /proc/<pid>/status
    and it is stopped with SIGTERM → ``idle_rss_mb``.
(b) The virtual environment a user installs → ``venv_mb``: the one scripts/run.sh makes
    (through scripts/setup.sh, without ``--dev``): ``python -m venv``, ``pip install
    --upgrade pip``, ``pip install -e .``. It is built for real in a temp folder, the
    same way (from a copy of the project's sources, so the work tree is not touched;
    pip's cache makes repeat runs fast; needs PyPI or a warm cache), and its files are
    counted du-style (hard links once, symlinks not followed) → ``"venv_kind":
    "runtime"``. When the build fails or ``--no-build`` is given, ``venv_mb`` is an
    estimate instead (``"venv_kind": "runtime-estimate"``): the files of the runtime
    dependencies of pyproject.toml and what they require, as installed in .venv, plus an
    empty venv's own files.
    The developer venv .venv (``scripts/setup.sh --dev``: also pytest, mypy, ruff,
    hypothesis, openai, orjson… for tests and benchmarks) is measured too and reported as
    ``dev_venv_mb``; it is not what a user installs.

Prints a summary and, last, one JSON line:
{"idle_rss_mb": …, "venv_mb": …, "venv_kind": …, "dev_venv_mb": …}.
Goals (reported, not asserted): idle RSS ≤ 120 MB; venv ≤ 350 MB.

Usage: .venv/bin/python bench/footprint.py [--wait 10] [--no-build]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def rss_of(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(line.split()[1]) / 1024
    return out


def idle_rss(wait_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHORUS_DATA_DIR=data_dir)
        for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANYFAST_API_KEY"):
            env.pop(name, None)
        proc = subprocess.Popen(
            [sys.executable, "main.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            time.sleep(wait_s)
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise SystemExit(f"main.py exited early ({proc.returncode}):\n{err[-2000:]}")
            return rss_of(proc.pid)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def tree_bytes(folder: Path) -> int:
    """Bytes of the regular files below ``folder`` (symlinks not followed, hard links once)."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if not os.path.isfile(os.path.join(dirpath, name)) or os.path.islink(
                os.path.join(dirpath, name)
            ):
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += st.st_size
    return total


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def _req_name(req: str) -> str:
    return _norm(re.split(r"[\s<>=!~;\[(]", req.strip(), maxsplit=1)[0])


def runtime_closure(venv: Path) -> dict[str, metadata.Distribution]:
    """The runtime dependencies and what they require (no extras), as installed in ``venv``."""
    site = next((venv / "lib").glob("python*/site-packages"))
    dists = {_norm(d.metadata["Name"]): d for d in metadata.distributions(path=[str(site)])}
    todo = [_req_name(r) for r in runtime_requirements()]
    found: dict[str, metadata.Distribution] = {}
    while todo:
        name = todo.pop()
        if name in found or name not in dists:
            continue
        dist = dists[name]
        found[name] = dist
        for req in dist.requires or []:
            marker = req.split(";", 1)[1] if ";" in req else ""
            if "extra" in marker:
                continue
            if marker:
                try:
                    from packaging.markers import Marker

                    if not Marker(marker).evaluate():
                        continue
                except ImportError:  # no packaging: keep it (over-estimates)
                    pass
            todo.append(_req_name(req))
    return found


def dist_bytes(dist: metadata.Distribution) -> int:
    total = 0
    for f in dist.files or []:
        path = Path(str(dist.locate_file(f)))
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            pass
    return total


def empty_venv_bytes() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, capture_output=True)
        return tree_bytes(target)


def _copy_project(dest: Path) -> None:
    """What ``pip install -e .`` reads: pyproject.toml, the README and the packages."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("core", "ui"):
        shutil.copytree(ROOT / package, dest / package, ignore=ignore)


def build_runtime_venv(tmp: Path) -> Path:
    """A venv made as scripts/setup.sh makes it without --dev (see the module docstring)."""
    project = tmp / "project"
    _copy_project(project)
    target = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, timeout=300)
    python = str(target / "bin" / "python")
    for step in (["--upgrade", "pip"], ["-e", str(project)]):
        cmd = [python, "-m", "pip", "install", "-q", *step]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise OSError(f"{' '.join(cmd[2:])} failed: {done.stderr.strip()[-1500:]}")
    return target


def site_breakdown(venv: Path) -> list[tuple[str, int]]:
    """Bytes per top-level entry of the venv's site-packages (dist-info folders folded
    into their package's name where they match), largest first."""
    site = next((venv / "lib").glob("python*/site-packages"))
    sizes: dict[str, int] = {}
    for entry in site.iterdir():
        size = tree_bytes(entry) if entry.is_dir() else entry.stat().st_size
        key = re.sub(r"-[^-]+\.(dist|egg)-info$", "", entry.name)
        key = _norm(key.removesuffix(".py"))
        sizes[key] = sizes.get(key, 0) + size
    return sorted(sizes.items(), key=lambda kv: -kv[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=10.0, help="seconds idle before reading")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="the dev venv")
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="do not build the runtime venv; report the estimate from the dev venv",
    )
    args = parser.parse_args()

    rss = idle_rss(args.wait)
    dev_bytes = tree_bytes(args.venv)
    closure = runtime_closure(args.venv)
    sizes = {name: dist_bytes(d) for name, d in closure.items()}
    base = empty_venv_bytes()
    runtime_est = sum(sizes.values()) + base

    print(
        f"idle RSS {args.wait:.0f} s after start: {rss.get('VmRSS', 0):.1f} MB "
        f"(peak {rss.get('VmHWM', 0):.1f} MB; anon {rss.get('RssAnon', 0):.1f}, "
        f"file {rss.get('RssFile', 0):.1f}, shmem {rss.get('RssShmem', 0):.1f}) (goal ≤ 120)"
    )
    print(
        f"dev venv {args.venv} (setup.sh --dev: + pytest, mypy, ruff, hypothesis, openai, "
        f"orjson…): {dev_bytes / MB:.1f} MB (not what a user installs)"
    )
    print(
        f"runtime venv estimate (the files of {len(closure)} runtime distributions as "
        f"installed in the dev venv + an empty venv's {base / MB:.1f} MB): "
        f"{runtime_est / MB:.1f} MB"
    )
    venv_mb, kind = runtime_est / MB, "runtime-estimate"
    if not args.no_build:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                built = build_runtime_venv(Path(tmp))
            except (OSError, subprocess.SubprocessError) as exc:
                print(f"building the runtime venv failed ({exc}); venv_mb is the estimate")
            else:
                venv_mb, kind = tree_bytes(built) / MB, "runtime"
                print(
                    "runtime venv, built as scripts/run.sh builds it (venv, pip install "
                    f"--upgrade pip, pip install -e .): {venv_mb:.1f} MB; the largest parts:"
                )
                for name, size in site_breakdown(built)[:10]:
                    print(f"  {name:<28} {size / MB:7.1f} MB")
    if kind != "runtime":
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {name:<28} {size / MB:7.1f} MB")
    print(f"user's venv ({kind}): {venv_mb:.1f} MB (goal ≤ 350)")
    result: dict[str, float | str] = {
        "idle_rss_mb": round(rss.get("VmRSS", 0.0), 1),
        "venv_mb": round(venv_mb, 1),
        "venv_kind": kind,
        "dev_venv_mb": round(dev_bytes / MB, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
