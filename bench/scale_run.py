"""`bench/run.py --scale`: build a log of millions of events, replay it, extrapolate.

Per store: the demo's seed cloned into a new store (bench/scale.py), the read
and decode floors over it, then the audit replay of every registered projection
in a child process (bench/replay.py), sampling its resident memory as it goes.
Reported: events/s against the floors, peak RSS and its growth along the log,
and the minutes a city year (60 million events) would take at that rate.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from replay import floors_of, replay_of
from report import Figure, stamp, table, write_blocks
from scale import build, make_seed
from stores import fresh_store

CITY_YEAR = 60_000_000
"""Events in a city's year: about 12 million visits of about 5 events."""


def scale_blocks(args: argparse.Namespace, command: str) -> dict[str, list[str]]:
    """One block per store: the scale run's table and its memory along the log."""
    events = args.scale_events or (20_000 if args.quick else 5_000_000)
    started = time.perf_counter()
    seed = make_seed(args.seed_customers, args.seed_days, args.seed_cache)
    seeded = time.perf_counter() - started
    print(f"seed: {len(seed):,} events from the demo in {seeded:.0f} s", flush=True)
    blocks = {}
    for store in args.stores.split(","):
        with fresh_store(store) as url:
            started = time.perf_counter()
            made = build(url, seed, events)
            built = time.perf_counter() - started
            print(f"[{store}] built {made:,} events in {built:.0f} s", flush=True)
            floors = floors_of(url)
            replayed = replay_of(url)
        half = 0.5 if store == "postgres" else 1.0
        figure = Figure(
            f"replay of {made:,} events (every registered projection)",
            "events/s",
            ours=[replayed.rate],
            baseline=[made / floors["decode"]],
            target=100_000 * half,
        )
        figure.floors["read rows of the handled topics (SQL)"] = [made / floors["read"]]
        figure.extra["events per CPU second of the replaying process"] = [replayed.cpu_rate]
        figure.extra["events per CPU second of both processes"] = [
            made / (replayed.cpu_seconds + replayed.writer_cpu_seconds)
        ]
        figure.extra["peak RSS MB"] = [replayed.peak_mb]
        figure.extra["peak RSS MB of the writing process"] = [replayed.writer_peak_mb]
        figure.extra["peak RSS MB, both processes"] = [replayed.total_peak_mb]
        figure.extra["floor peak RSS MB"] = [floors["peak_mb"]]
        minutes = CITY_YEAR / replayed.rate / 60
        cpu_minutes = CITY_YEAR / replayed.cpu_rate / 60
        lines = [
            f"### {store}, scale run ({args.label})",
            "",
            stamp(command),
            "",
            f"Seed: {len(seed):,} events (demo, {args.seed_customers} customers, "
            f"{args.seed_days} days, {seeded:.0f} s); cloned {made // len(seed):,} times "
            f"into {made:,} events in {built:.0f} s ({made / built:,.0f} events/s). "
            f"Replay: {replayed.seconds:,.0f} s. Baseline: read + orjson decode floor.",
            "",
            *table([figure]),
            "",
            f"A city year ({CITY_YEAR:,} events) at this rate: **{minutes:,.0f} minutes** "
            f"({minutes / 60:.1f} h); at its CPU rate (a core of its own) "
            f"{cpu_minutes:,.0f} minutes; target 10 minutes on SQLite.",
            "",
            "Along the log: resident memory of the replaying process, and the rate over",
            "each stretch since the previous sample (by the wall clock and by its CPU time):",
            "",
            *_along(replayed.samples),
        ]
        blocks[f"scale:{args.label}:{store}"] = lines
        write_blocks(Path(args.out), {f"scale:{args.label}:{store}": lines})
    return blocks


def _along(samples: list[tuple[int, float, float, float]]) -> list[str]:
    """About six samples, evenly along the log, the last included, as a table: resident
    memory, and the rate over each stretch by the wall clock and by the replaying
    process's own CPU time (the load-independent one: a machine shared with other work
    slows the wall clock, not the CPU rate)."""
    if len(samples) > 6:
        step = len(samples) / 5
        samples = [samples[int(i * step)] for i in range(5)] + [samples[-1]]
    rates, cpu_rates, last = [], [], (0, 0.0, 0.0)
    for position, _, seconds, cpu in samples:
        rates.append((position - last[0]) / max(seconds - last[1], 1e-9))
        cpu_rates.append((position - last[0]) / max(cpu - last[2], 1e-9))
        last = (position, seconds, cpu)
    return [
        "| events replayed | " + " | ".join(f"{s[0]:,}" for s in samples) + " |",
        "|---|" + "---|" * len(samples),
        "| RSS MB | " + " | ".join(f"{s[1]:.0f}" for s in samples) + " |",
        "| events/s over the stretch | " + " | ".join(f"{r:,.0f}" for r in rates) + " |",
        "| events per CPU second over the stretch | "
        + " | ".join(f"{r:,.0f}" for r in cpu_rates)
        + " |",
    ]
