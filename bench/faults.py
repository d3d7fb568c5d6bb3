"""Load-and-fault run: the buffer's guarantees under load with real SIGKILLs (issue 8).

On PostgreSQL: writer processes confirm visits and create, change and cancel
pauses, some holding the event table's insert lock open for seconds, some
rolling back; the projection worker (`homecare worker`), the poll endpoint
(`homecare serve`) and the city's reference poller (`homecare poll`) run in
their own processes and are killed with SIGKILL at random moments and
restarted. The store is created first with `homecare db init`. At the end every
confirmed visit and every pause message must have been received by the
poller at least once, none skipped by its kept cursor, duplicates only from
batches in flight at a kill, per-customer order kept. Prints the counts;
exits 1 on any violation.

    python bench/faults.py                 # full: 8 writers, 3 minutes, >= 20 kills
    python bench/faults.py --short         # CI: a shorter run, >= 6 kills
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stores import scratch_postgres

TOKEN = "fault-run-token-0123456789abcdef"
HERE = Path(__file__).resolve()
ACTOR = "fault-run"


# -- roles (each runs in its own process) ----------------------------------------


def role_setup(url: str, customers: int, staff: int, out: Path) -> None:
    from homecare.bootstrap import connect

    sys.path.insert(0, str(HERE.parent))
    from workload import pnr

    at = datetime(2026, 3, 1, tzinfo=UTC)
    with connect(url) as hc:
        app = hc.app
        made: dict[str, Any] = {"customers": [], "staff": []}
        for n in range(customers):
            cid = app.register_customer(
                personnummer=pnr(n), name=f"C{n}", organisation=f"T{n % 4}", actor=ACTOR, at=at
            )
            app.register_decision(
                cid,
                valid_from=date(2026, 1, 1),
                valid_to=None,
                activities=["shower", "shopping"],
                actor=ACTOR,
                at=at,
            )
            contract = app.open_contract(cid, actor=ACTOR, at=at)
            order = app.place_order(contract, activities=["shower"], actor=ACTOR, at=at)
            made["customers"].append([str(cid), str(contract), str(order)])
        for n in range(staff):
            made["staff"].append(
                str(
                    app.register_staff(
                        name=f"S{n}",
                        personnummer=pnr(900_000 + n),
                        sd_number=f"SD{n}",
                        actor=ACTOR,
                        at=at,
                    )
                )
            )
    out.write_text(json.dumps(made))


def role_writer(url: str, setup: Path, index: int, writers: int, seconds: float, log: Path) -> None:
    """Confirm visits and edit pauses for this writer's customers until time is up."""
    from homecare.bootstrap import connect
    from homecare.errors import HomecareError

    made = json.loads(setup.read_text())
    mine = [c for i, c in enumerate(made["customers"]) if i % writers == index]
    rng = random.Random(index)
    deadline = time.monotonic() + seconds
    pauses: list[str] = []
    at = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(days=index)
    with connect(url) as hc, log.open("a") as out:
        app = hc.app
        n = 0
        while time.monotonic() < deadline:
            n += 1
            at += timedelta(minutes=1)
            customer, contract, order = (uuid.UUID(x) for x in rng.choice(mine))
            roll = rng.random()
            try:
                if roll < 0.6:
                    staff = uuid.UUID(rng.choice(made["staff"]))
                    start = datetime(2026, 3, 2 + n % 20, 8, tzinfo=UTC) + timedelta(
                        minutes=n % 500
                    )
                    visit = app.plan_assignment(
                        order_id=order,
                        staff_id=staff,
                        planned_start=start,
                        planned_end=start + timedelta(minutes=20),
                        shift_day=start.date(),
                        actor=ACTOR,
                        at=at,
                    )
                    done = max(at, start + timedelta(minutes=20))  # reported once performed
                    app.record_performance(
                        visit,
                        start=start,
                        end=start + timedelta(minutes=20),
                        activities=["shower"],
                        actor=ACTOR,
                        at=done,
                    )
                    app.attest_assignments([visit], actor=ACTOR, at=done)
                    app.confirm_assignment(visit, actor=ACTOR, at=done)
                    out.write(f"visit {visit}\n")
                elif roll < 0.75:
                    level, target = rng.choice(
                        [("customer", customer), ("contract", contract), ("order", order)]
                    )
                    first = datetime(2026, 5, 1, tzinfo=UTC) + timedelta(
                        days=rng.randrange(60), hours=rng.randrange(24)
                    )
                    pause = app.create_pause(
                        level=level,
                        target_id=target,
                        notified_at=at,
                        reason="own_request",
                        starts_at=first,
                        ends_at=first + timedelta(days=rng.randrange(1, 9)),
                        actor=ACTOR,
                        at=at,
                    )
                    pauses.append(str(pause))
                elif roll < 0.95 and pauses:
                    pause = uuid.UUID(rng.choice(pauses))
                    if rng.random() < 0.5:
                        app.cancel_pause(pause, actor=ACTOR, at=at)
                    else:
                        app.change_pause(
                            pause,
                            ends_at=datetime(2026, 8, 1, tzinfo=UTC)
                            + timedelta(days=rng.randrange(30)),
                            actor=ACTOR,
                            at=at,
                        )
                else:
                    _slow_or_rolled_back(hc, rng, at)
            except HomecareError:
                pass  # a cancelled pause edited again, and the like: rejected, not lost
            out.flush()


def _slow_or_rolled_back(hc: Any, rng: random.Random, at: datetime) -> None:
    """Hold the event table's insert lock open for seconds, then commit or roll back.

    Uses the recorder's own locking protocol (its LOCK TABLE ... EXCLUSIVE), as a
    slow writer would; touching these private parts is acceptable in a fault run.
    """
    from homecare.domain import Staff

    member = Staff.register(name="slow", personnummer=None, sd_number=None, actor=ACTOR, at=at)
    stored = [hc.app.mapper.to_stored_event(e) for e in member.collect_events()]
    recorder = hc.app.recorder
    commit = rng.random() < 0.5

    class RollbackError(Exception):
        pass

    try:
        with recorder.datastore.transaction(commit=True) as curs:
            recorder._lock_table(curs)
            recorder._insert_events(curs, stored)
            time.sleep(rng.uniform(0.3, 1.5))
            if not commit:
                raise RollbackError
    except RollbackError:
        pass


# -- the conductor ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Fleet:
    def __init__(self, url: str, folder: Path, port: int) -> None:
        self.url, self.folder, self.port = url, folder, port
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: Counter[str] = Counter()
        env = dict(os.environ, HOMECARE_API_TOKENS=f"city={TOKEN}:drain", PYTHONUNBUFFERED="1")
        self.env = env
        homecare = Path(sys.executable).with_name("homecare")
        self.commands = {
            "worker": [str(homecare), "--db", url, "worker", "--idle-max", "0.5"],
            "server": [str(homecare), "serve", "--db", url, "--port", str(port)],
            "poller": [
                str(homecare),
                "poll",
                "--url",
                f"http://127.0.0.1:{port}",
                "--token",
                TOKEN,
                "--every",
                "0.3",
                "--limit",
                "20",
                "--state",
                str(folder / "poller-state.json"),
                "--received",
                str(folder / "received.txt"),
                "--backoff",
                "0.2",
                "--backoff-max",
                "1",
                "--retries",
                "1000",
                "--timeout",
                "10",
            ],
        }

    def start(self, name: str) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            self.commands[name], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.kills[name] += 1
        self.start(name)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def conduct(args: argparse.Namespace) -> int:
    with (
        scratch_postgres("homecare_faults", init=False) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        homecare = Path(sys.executable).with_name("homecare")
        subprocess.run([str(homecare), "--db", url, "db", "init"], check=True)
        return _run(url, Path(tmp), args)


def _run(url: str, folder: Path, args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    setup = folder / "setup.json"
    subprocess.run(
        [sys.executable, str(HERE), "role", "setup", url, str(args.writers * 4), "6", str(setup)],
        check=True,
    )
    fleet = Fleet(url, folder, free_port())
    for role in ("worker", "server", "poller"):
        fleet.start(role)
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                str(HERE),
                "role",
                "writer",
                url,
                str(setup),
                str(i),
                str(args.writers),
                str(args.seconds),
                str(folder / f"writer-{i}.log"),
            ]
        )
        for i in range(args.writers)
    ]
    started = time.monotonic()
    while any(w.poll() is None for w in writers) or sum(fleet.kills.values()) < args.kills:
        time.sleep(rng.uniform(1.5, 3.0) if args.short else rng.uniform(2.0, 5.0))
        fleet.kill(rng.choice(["worker", "server", "poller"]))
        if time.monotonic() - started > args.seconds * 3 + 120:
            break
    for w in writers:
        w.wait()
    print(f"writers done after {time.monotonic() - started:.0f}s; kills: {dict(fleet.kills)}")
    ok = _settle_and_check(url, folder, fleet, args)
    fleet.stop_all()
    if not ok:
        for log in sorted(folder.glob("*.log")):
            if not log.name.startswith("writer-"):
                tail = log.read_text(errors="replace").splitlines()[-15:]
                print(f"--- last lines of {log.name}:", *tail, sep="\n  ")
    return 0 if ok else 1


def _settle_and_check(url: str, folder: Path, fleet: Fleet, args: argparse.Namespace) -> bool:
    from sqlalchemy import select

    from homecare.bootstrap import connect
    from homecare.outbox import tables as t

    with connect(url) as hc:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            lag = max(r.lag() for r in hc.runners)
            with hc.database.engine.connect() as conn:
                top = (
                    conn.execute(
                        select(t.items.c.position).order_by(t.items.c.position.desc()).limit(1)
                    ).scalar()
                    or 0
                )
            state = folder / "poller-state.json"
            saved = json.loads(state.read_text()).get("cursor") if state.exists() else None
            cursor = int(str(saved or 0).split(".")[0])
            if lag == 0 and cursor >= top:
                break
            time.sleep(0.5)
        with hc.database.engine.connect() as conn:
            items = conn.execute(
                select(
                    t.items.c.message_id,
                    t.items.c.position,
                    t.items.c.customer_id,
                    t.items.c.seq,
                    t.items.c.kind,
                    t.items.c.assignment_id,
                    t.items.c.state,
                )
            ).all()
    released = {str(i.message_id): i for i in items if i.state == "released"}
    confirmed = set()
    for log in folder.glob("writer-*.log"):
        confirmed |= {
            line.split()[1] for line in log.read_text().splitlines() if line.startswith("visit ")
        }
    received_lines = [
        line.split() for line in (folder / "received.txt").read_text().splitlines() if line.strip()
    ]
    received_ids = [m for m, _ in received_lines]
    counts = Counter(received_ids)
    reported = {str(i.assignment_id) for i in released.values() if i.kind == "visit_report"}
    pause_messages = {m for m, i in released.items() if i.kind == "customer_pause"}
    missing = set(released) - set(received_ids)
    visits_missing = confirmed - reported
    duplicates = sum(c - 1 for c in counts.values())
    first_seen: dict[str, int] = {}
    for index, message in enumerate(received_ids):
        first_seen.setdefault(message, index)
    order_broken = 0
    by_customer: dict[str, list[int]] = {}
    for message in sorted(first_seen, key=first_seen.__getitem__):
        if message in released:
            by_customer.setdefault(str(released[message].customer_id), []).append(
                released[message].seq
            )
    order_broken = sum(1 for seqs in by_customer.values() if seqs != sorted(seqs))
    positions = [int(p) for _, p in received_lines]
    backwards = sum(1 for a, b in itertools.pairwise(positions) if b <= a)
    allowed_duplicates = (fleet.kills["poller"] + fleet.kills["server"] + 1) * 20
    report = {
        "kills": dict(fleet.kills),
        "confirmed visits (writers' logs)": len(confirmed),
        "visit reports released": len(reported),
        "pause messages released": len(pause_messages),
        "items released": len(released),
        "items received (distinct)": len(counts),
        "missing (released, never received)": len(missing),
        "confirmed visits without a report": len(visits_missing),
        "duplicates received": duplicates,
        "duplicate allowance (batches in flight at kills)": allowed_duplicates,
        "re-reads (position not above the previous one)": backwards,
        "customers whose order was broken": order_broken,
    }
    for key, value in report.items():
        print(f"{key}: {value}")
    ok = (
        not missing
        and not visits_missing
        and order_broken == 0
        and duplicates <= allowed_duplicates
        and sum(fleet.kills.values()) >= args.kills
        and len(released) > 0
    )
    print("RESULT:", "PASS" if ok else "FAIL")
    return ok


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "role":
        role, rest = sys.argv[2], sys.argv[3:]
        if role == "setup":
            role_setup(rest[0], int(rest[1]), int(rest[2]), Path(rest[3]))
        elif role == "writer":
            role_writer(
                rest[0], Path(rest[1]), int(rest[2]), int(rest[3]), float(rest[4]), Path(rest[5])
            )
        return
    parser = argparse.ArgumentParser(description="Load-and-fault run with real SIGKILLs.")
    parser.add_argument("--short", action="store_true", help="the CI version")
    parser.add_argument("--writers", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--kills", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.writers = args.writers or (4 if args.short else 8)
    args.seconds = args.seconds or (25.0 if args.short else 180.0)
    args.kills = args.kills or (6 if args.short else 20)
    raise SystemExit(conduct(args))


if __name__ == "__main__":
    main()
