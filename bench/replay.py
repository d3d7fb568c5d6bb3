"""The audit replay and its raw floors, each measured in a child process of its own.

`replay` rebuilds every projection of `homecare.registry.PROJECTIONS` from the
log into a scratch SQLite store, as `homecare audit verify` does (it calls the
audit's own replay loop), and samples the process's resident memory as it goes.
The floors are what the same work costs with the raw tools underneath:

- read: the stored rows of the handled topics, plain SQL on the driver, in pages;
- decode: the same rows, each state parsed with orjson straight from the row
  (no eventsourcing Mapper, no domain objects);
- write: the rows the rebuild wrote, `executemany` of plain tuples into empty
  tables of the same shape in a new SQLite file (where the rebuild writes).

Each runs in a spawned child so its peak RSS (`VmHWM`) is its own. The replay
writes the scratch store through a process of its own (`homecare._sql.write_behind`):
that process's peak RSS and CPU time are reported beside the replaying process's.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
import psycopg
from sqlalchemy.engine import make_url

from homecare._es.log import union_of_topics
from homecare.audit._common import PAGE_SIZE, scratch_store
from homecare.audit._verify import _replay
from homecare.bootstrap import connect
from homecare.registry import PROJECTIONS

SAMPLES = 20
"""Memory samples taken along a replay (one every 1/SAMPLES of the log)."""


@dataclass
class Replayed:
    """One replay: log events, seconds, peak RSS MB and samples along the log."""

    events: int
    seconds: float
    peak_mb: float
    samples: list[tuple[int, float, float, float]] = field(default_factory=list)
    """(position, RSS MB, wall seconds, CPU seconds of this process) along the replay."""
    cpu_seconds: float = 0.0
    writer_peak_mb: float = float("nan")
    """Peak RSS of the process that wrote the scratch store (`_sql.write_behind`)."""
    writer_cpu_seconds: float = 0.0
    write_seconds: float | None = None
    rows_written: int = 0

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def total_peak_mb(self) -> float:
        """Peak RSS of the replaying process and of its writer, added."""
        return self.peak_mb + self.writer_peak_mb

    @property
    def cpu_rate(self) -> float:
        """Events per second of the process's own CPU time: what the replay would reach
        with a core to itself, waits for the store aside (the machine is shared)."""
        return self.events / self.cpu_seconds if self.cpu_seconds else float("nan")


def rss_mb(field_name: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class ChildPeak:
    """The largest peak RSS (VmHWM, MB) of this process's children while it watches.

    Why not `getrusage(RUSAGE_CHILDREN).ru_maxrss`: it counts a child's RSS between its
    fork and its exec, when it is a copy of this whole process."""

    def __init__(self, every: float = 0.5) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(every,), daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024 if self.peak_kb else float("nan")

    def _watch(self, every: float) -> None:
        """Reads only the children's own status files, found through /proc's list of
        each thread's children: a scan of every process's status, as this did before,
        held the interpreter for about a tenth of the replay it measured."""
        while not self._stop.wait(every):
            for child in _children():
                try:
                    text = Path(f"/proc/{child}/status").read_text()
                except OSError:
                    continue
                if "VmHWM:" in text:
                    hwm = int(text.split("VmHWM:")[1].split()[0])
                    self.peak_kb = max(self.peak_kb, hwm)


def _children() -> list[str]:
    """The process ids of this process's children (`/proc/<pid>/task/<tid>/children`)."""
    tasks = f"/proc/{os.getpid()}/task"
    found: list[str] = []
    for task in os.listdir(tasks):
        try:
            found += Path(f"{tasks}/{task}/children").read_text().split()
        except OSError:
            continue
    return found


def handled_topics() -> tuple[str, ...]:
    """The topics the registered projections read together (() = every event)."""
    return union_of_topics(spec.topics for spec in PROJECTIONS)


def in_child(target: Any, *args: Any) -> Any:
    """Run `target(*args, queue)` in a spawned process and return what it put."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=target, args=(*args, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


# -- the rebuild ---------------------------------------------------------------


def replay_child(url: str, write_floor: bool, queue: Any) -> None:
    queue.put(replay(url, write_floor=write_floor))


def replay(url: str, *, write_floor: bool = False, page_size: int = PAGE_SIZE) -> Replayed:
    """Rebuild every registered projection from the log at `url` into a scratch store."""
    with connect(url) as hc, tempfile.TemporaryDirectory() as folder:
        scratch = scratch_store(Path(folder))
        stop = hc.log.end()
        step = max(1, stop // SAMPLES)
        samples: list[tuple[int, float, float, float]] = []
        cpu_start = time.process_time()

        def progress(p: Any) -> None:
            last = samples[-1][0] if samples else 0
            if p.position > last and (p.position - last >= step or p.position == stop):
                cpu = time.process_time() - cpu_start
                samples.append((p.position, rss_mb(), p.seconds, cpu))

        parts = replace(hc.parts, database=scratch)
        rebuilt = [(spec.build(parts), stop) for spec in PROJECTIONS]
        watcher = ChildPeak()
        start, cpu = time.perf_counter(), time.process_time()
        _replay(hc, scratch, rebuilt, handled_topics(), page_size, progress)
        result = Replayed(stop, time.perf_counter() - start, rss_mb("VmHWM"), samples)
        result.cpu_seconds = time.process_time() - cpu
        writer = resource.getrusage(resource.RUSAGE_CHILDREN)  # the write-behind, ended
        result.writer_peak_mb = watcher.stop()
        result.writer_cpu_seconds = writer.ru_utime + writer.ru_stime
        scratch.dispose()
        if write_floor:
            result.write_seconds, result.rows_written = _write_floor(Path(folder))
        return result


def _write_floor(folder: Path) -> tuple[float, int]:
    """Seconds to write the rebuild's rows again as plain tuples, and how many rows."""
    names = [table.name for spec in PROJECTIONS for table in spec.tables]
    raw = sqlite3.connect(folder / "floor.db")
    raw.execute("ATTACH DATABASE ? AS rebuilt", (str(folder / "scratch.db"),))
    rows = {name: raw.execute(f"SELECT * FROM rebuilt.{name}").fetchall() for name in names}
    with raw:  # the same columns, empty, without the constraints: the plain shape
        for name in names:
            raw.execute(f"CREATE TABLE {name} AS SELECT * FROM rebuilt.{name} WHERE 0")
    start = time.perf_counter()
    with raw:
        for name, values in rows.items():
            if values:
                marks = ", ".join("?" * len(values[0]))
                raw.executemany(f"INSERT INTO {name} VALUES ({marks})", values)
    seconds = time.perf_counter() - start
    raw.close()
    return seconds, sum(len(r) for r in rows.values())


# -- read and decode floors ----------------------------------------------------


def floors_child(url: str, queue: Any) -> None:
    queue.put(read_floors(url))


def read_floors(url: str, page_size: int = PAGE_SIZE) -> dict[str, float]:
    """Seconds to read the handled topics' rows raw, then to read and orjson-parse them;
    with the log's length (`events`) and the peak RSS of this process."""
    topics = list(handled_topics())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn: Any = sqlite3.connect(str(parsed.database))
        where = f"AND topic IN ({', '.join('?' * len(topics))})" if topics else ""
        query = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            f"WHERE rowid > ? {where} ORDER BY rowid LIMIT ?"
        )
        args = lambda after: (after, *topics, page_size)  # noqa: E731
        end = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()[0] or 0
    else:
        conn = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False))
        where = "AND topic = ANY(%s)" if topics else ""
        query = (
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM homecare_events WHERE notification_id > %s {where} "
            "ORDER BY notification_id LIMIT %s"
        )
        args = lambda after: (after, topics, page_size) if topics else (after, page_size)  # noqa: E731
        end = conn.execute("SELECT max(notification_id) FROM homecare_events").fetchone()[0] or 0
    figures: dict[str, float] = {"events": end}
    # an untimed pass first: the first read of the log warms the OS page cache and the
    # server's buffers, which would make "read" slower than "read + decode"
    for mode in ("warm", "read", "decode"):
        start = time.perf_counter()
        after = 0
        while rows := conn.execute(query, args(after)).fetchall():
            if mode == "decode":
                for row in rows:
                    orjson.loads(row[4])
            after = rows[-1][0]
        figures[mode] = time.perf_counter() - start
    del figures["warm"]
    conn.close()
    figures["peak_mb"] = rss_mb("VmHWM")
    return figures


def floors_of(url: str) -> dict[str, float]:
    """The read and decode floors at `url`, measured in a child process."""
    return dict(in_child(floors_child, url))


def replay_of(url: str, *, write_floor: bool = False) -> Replayed:
    """A replay at `url`, measured in a child process."""
    result: Replayed = in_child(replay_child, url, write_floor)
    return result


__all__ = ["Replayed", "floors_of", "read_floors", "replay", "replay_of"]
