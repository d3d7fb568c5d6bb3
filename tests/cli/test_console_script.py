"""The installed `homecare` console script, once, as a shell user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import homecare
from homecare.cli.usage import ClickError
from tests.conftest import init_sqlite


def _homecare(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "homecare"
    return subprocess.run(
        [str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_console_script(tmp_path: Path) -> None:
    shown = _homecare("--help", cwd=tmp_path)
    assert shown.returncode == 0
    for command in ("demo", "buffer", "pauses", "assignments", "audit", "serve", "poll"):
        assert command in shown.stdout

    bad = _homecare("buffer", "month", "2026-13", cwd=tmp_path)  # default store: ./homecare.db
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [
        "homecare: error: invalid_input: Malformed month '2026-13': expected YYYY-MM, e.g. 2026-03."
    ]
    assert (tmp_path / "homecare.db").exists() is False  # refused before opening the store

    empty = _homecare(
        "--db", init_sqlite(tmp_path / "x.db"), "buffer", "month", "2026-03", cwd=tmp_path
    )
    assert empty.returncode == 0, empty.stderr
    assert "Empty" in empty.stdout


def test_the_command_line_needs_no_click_of_its_own(tmp_path: Path) -> None:
    """The `cli` extra installs typer, which (0.20 on) carries its own click: `click` may
    be missing, as on a fresh `./scripts/demo` install, and every path still works. (An
    older typer, as scripts/lowest installs, depends on click itself: nothing to check.)"""
    if ClickError.__module__.startswith("click"):
        pytest.skip("this typer depends on click, which is installed with it")
    code = (
        "import sys; sys.modules['click'] = None\n"  # import click -> ImportError
        "from homecare.cli import main; sys.argv = ['homecare', *sys.argv[1:]]; main()"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    shown = run("--help")
    assert shown.returncode == 0, shown.stderr
    assert "demo" in shown.stdout
    bad = run("buffer", "month", "2026-13")
    assert bad.returncode == 1
    assert bad.stderr.startswith("homecare: error: invalid_input: Malformed month")
    demo = run("--db", f"sqlite:///{tmp_path / 'd.db'}", "demo", "--customers", "2", "--days", "1")
    assert demo.returncode == 0, demo.stderr


def test_python_dash_m_homecare_is_the_homecare_command(tmp_path: Path) -> None:
    """`python -m homecare` runs the console script's `main`, as a real process: the same
    help under the name `homecare`, the same one-line errors and exit codes."""
    source = str(Path(homecare.__file__).resolve().parents[1])  # this tree's homecare
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "homecare", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    shown = run("--help")
    assert shown.returncode == 0, shown.stderr
    assert "Usage: homecare " in shown.stdout
    for command in ("demo", "buffer", "serve", "worker", "status"):
        assert command in shown.stdout
    bad = run("buffer", "month", "2026-13")
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [
        "homecare: error: invalid_input: Malformed month '2026-13': expected YYYY-MM, e.g. 2026-03."
    ]
