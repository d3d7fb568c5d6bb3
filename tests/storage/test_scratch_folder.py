"""The audit's scratch store, whatever becomes of its run (D6, D8, R16).

`verify` and `as_of` replay into a scratch SQLite store in a temporary folder,
removed when the run ends. A run killed with SIGKILL cleaned up nothing: the
copy (a customer's personnummer in plain text, without a cipher key) stayed in
$TMPDIR, out of reach of culling. Now each folder is private and locked while its
run lives, the next run removes those whose run is over, and where the store has
a cipher key the scratch's sealed columns are under a key of the run's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher
from sqlalchemy import create_engine, select

import homecare
from homecare.audit import as_of, verify
from homecare.audit._scratch_folder import PREFIX, scratch_folder, sweep
from homecare.bootstrap import connect
from homecare.errors import CipherKeyError
from homecare.outbox import tables as t
from tests.scenario import T0, pair

_SOURCE = str(Path(homecare.__file__).parents[1])

_VERIFY_THEN_HANG = """
import sys, time
from homecare.audit import verify
from homecare.bootstrap import connect

def progress(_):
    print("replaying", flush=True)
    time.sleep(120)

with connect(sys.argv[1]) as hc:
    verify(hc, progress, page_size=1)
"""

_HOLD_A_FOLDER = """
import sys, time
from homecare.audit._scratch_folder import scratch_folder

with scratch_folder("verify") as folder:
    (folder / "scratch.db").write_text("rows")
    print(folder, flush=True)
    time.sleep(120)
"""


def _start(script: str, tmp: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`script` run by this interpreter with $TMPDIR at `tmp`; its first line of output."""
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": _SOURCE}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def _folders(tmp: Path) -> list[Path]:
    return sorted(p for p in tmp.iterdir() if p.name.startswith(PREFIX))


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of the test's own, for this process and its children."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_verify_killed_outright_leaves_its_scratch_to_the_next_run(
    store_url: str, tmp: Path
) -> None:
    with connect(store_url) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
    child, said = _start(_VERIFY_THEN_HANG, tmp, store_url)
    assert said == "replaying"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    (left,) = _folders(tmp)
    assert (left / "scratch.db").exists()  # the kernel ran no clean-up
    assert left.stat().st_mode & 0o777 == 0o700

    with connect(store_url) as hc:
        assert verify(hc).identical
    assert _folders(tmp) == []  # the dead run's, and this run's own


def test_as_of_sweeps_as_verify_does(store_url: str, tmp: Path) -> None:
    with connect(store_url) as hc:
        w = pair(hc.app)
        w.visit("confirmed")
        hc.catch_up()
    child, _ = _start(_VERIFY_THEN_HANG, tmp, store_url)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert len(_folders(tmp)) == 1
    with connect(store_url) as hc:
        as_of(hc, w.customer, T0)
    assert _folders(tmp) == []


def test_a_folder_whose_run_lives_is_left_alone(tmp: Path) -> None:
    child, said = _start(_HOLD_A_FOLDER, tmp)
    try:
        live = Path(said)
        assert live.parent == tmp
        assert sweep(tmp) == []
        with scratch_folder("as-of") as mine:
            assert sorted(_folders(tmp)) == sorted([live, mine])
        assert (live / "scratch.db").read_text() == "rows"
    finally:
        child.kill()
        child.wait(timeout=30)
    assert sweep(tmp) == [live]


def test_what_is_not_a_dead_run_s_folder_is_left_alone(tmp: Path) -> None:
    """No lock (an older version's folder, or one made a moment ago), a file, a link."""
    unlocked = tmp / f"{PREFIX}verify-old"
    unlocked.mkdir()
    (unlocked / "scratch.db").write_text("rows")
    (tmp / f"{PREFIX}file").write_text("not a folder")
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "lock").write_text("")
    (tmp / f"{PREFIX}link").symlink_to(elsewhere)
    other = tmp / "homecare-verify-abc"  # before this release: not ours to judge
    other.mkdir()
    assert sweep(tmp) == []
    assert (unlocked / "scratch.db").exists()
    assert elsewhere.exists()
    assert other.exists()


def test_a_scratch_store_left_behind_holds_nothing_the_store_s_key_opens(
    store_url: str, tmp: Path
) -> None:
    """D8: the scratch's personnummer and payloads are sealed with a key of the run's own."""
    with connect(store_url, cipher_key=AESCipher.create_key(32)) as hc:
        pair(hc.app).visit("confirmed")
        hc.catch_up()
        sealed: list[str] = []

        def look(_progress: object) -> None:
            (folder,) = _folders(tmp)
            scratch = create_engine(f"sqlite:///{folder / 'scratch.db'}")
            with scratch.connect() as conn:
                sealed[:] = list(conn.execute(select(t.customers.c.personnummer)).scalars())
            scratch.dispose()

        assert verify(hc, look).identical
        assert sealed
        for text in sealed:
            with pytest.raises(CipherKeyError):
                hc.parts.sealer.open(text)


def test_a_run_that_fails_removes_its_folder(tmp: Path) -> None:
    seen: list[Path] = []

    def fail() -> None:
        with scratch_folder("as-of") as folder:
            seen.append(folder)
            assert folder.stat().st_mode & 0o777 == 0o700
            assert (folder / "lock").exists()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert seen
    assert _folders(tmp) == []
