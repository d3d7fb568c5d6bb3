"""Files the commands write are owner-only, never written through a symbolic link, and
whole or not there (`homecare._files`).

The reviewer's case: `privacy export --out FILE` onto an existing file kept its mode
(0644: the full personnummer readable by every local user) and followed a symbolic
link at FILE (`os.open(..., O_CREAT | O_TRUNC, 0o600)`: the mode applies only when the
file is created). The same kind, hunted: the poller's state file (written to a
temporary file of a name known in advance, opened as it was), its file of received
items (opened for appending through a link), and a new SQLite store (`db init`:
created with the process's umask, 0644, holding the personal data in clear when no
cipher key is set).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homecare._files import UnsafeTargetError, write_private
from homecare.bootstrap import connect
from homecare.cli.app import app as cli
from homecare.poller.options import PollError
from homecare.poller.state import Recorder, State
from tests.conftest import init_sqlite
from tests.privacy.test_export import world


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str]:
    url = init_sqlite(tmp_path / "store.db")
    with connect(url) as hc:
        customer, _, _ = world(hc)
    return url, str(customer)


def _export(url: str, customer: str, out: Path) -> object:
    return CliRunner().invoke(
        cli, ["--db", url, "privacy", "export", "--customer", customer, "--out", str(out)]
    )


def _reads(url: str) -> int:
    with connect(url) as hc:
        return len(hc.access.entries())


def test_D8_an_export_over_an_existing_readable_file_is_owner_only(
    tmp_path: Path, store: tuple[str, str]
) -> None:
    url, customer = store
    out = tmp_path / "export.json"
    out.write_text("an older export, longer than nothing " * 1000, encoding="utf-8")
    out.chmod(0o644)
    result = _export(url, customer, out)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert _mode(out) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["subject"]["id"] == customer
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers


def test_D8_an_export_to_a_symbolic_link_is_refused_and_not_followed(
    tmp_path: Path, store: tuple[str, str]
) -> None:
    url, customer = store
    target = tmp_path / "elsewhere.txt"
    target.write_text("not yours\n", encoding="utf-8")
    target.chmod(0o644)
    link = tmp_path / "export.json"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nothing-here.json")
    for out in (link, dangling):
        result = _export(url, customer, out)
        assert result.exit_code == 1  # type: ignore[attr-defined]
        (line,) = result.stderr.splitlines()  # type: ignore[attr-defined]
        assert line.startswith("homecare: error: invalid_input: Cannot write the export")
        assert "symbolic link" in line
    assert target.read_text(encoding="utf-8") == "not yours\n"
    assert not (tmp_path / "nothing-here.json").exists()
    assert _reads(url) == 0  # refused before anything was read


def test_D8_a_write_that_fails_halfway_leaves_the_old_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    out.write_text("the old export\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_private(out, "half of it, then " + "\ud800")  # cannot be encoded: fails mid-write
    assert out.read_text(encoding="utf-8") == "the old export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]
    with pytest.raises(UnsafeTargetError):
        write_private(tmp_path, "a folder")


def test_D8_the_pollers_files_are_owner_only_and_never_followed(tmp_path: Path) -> None:
    state = State(tmp_path / "state.json", "https://example.test/homecare")
    (tmp_path / "state.json").write_text("{}", encoding="utf-8")
    (tmp_path / "state.json").chmod(0o644)
    state.save()
    assert _mode(tmp_path / "state.json") == 0o600
    # the temporary file's name was known in advance: a link there is not followed now
    target = tmp_path / "target.txt"
    target.write_text("keep\n", encoding="utf-8")
    planted = tmp_path / f".state.json.{os.getpid()}.tmp"
    planted.symlink_to(target)
    state.save()
    assert target.read_text(encoding="utf-8") == "keep\n"
    linked = State(tmp_path / "linked.json", state.url)
    (tmp_path / "linked.json").symlink_to(target)
    with pytest.raises(PollError, match="symbolic link"):
        linked.save()
    with pytest.raises(PollError, match="symbolic link"):
        Recorder(tmp_path / "linked.json")
    assert target.read_text(encoding="utf-8") == "keep\n"
    with Recorder(tmp_path / "received.txt") as recorder:
        recorder.record([{"message_id": "m", "position": 1}])  # type: ignore[list-item]
    assert _mode(tmp_path / "received.txt") == 0o600


def test_D8_db_init_creates_the_store_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{path}", "db", "init"])
    assert result.exit_code == 0, result.output
    assert _mode(path) == 0o600
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert not extra.exists() or _mode(extra) == 0o600
