"""`homecare demo`: a synthetic Stockholm provider run through the real facade, then drained.

Why a demo as the main command: it shows the whole library working on the
SQLite default in one go. Customers with decisions (some without, some
expiring), contracts, orders, staff (a few without a personnummer or an SD
number, R5), work shifts, visits (some reporting activities the decision does
not grant), pauses on all three levels (R7, R8, R11, R12; two over a DST
switch, D5), attestation and confirmation one by one and by whole shift with a
correction (R1), visits inside pauses refused (R7). Then the city's poller on
simulated time (R3): every five minutes it catches up and fetches batches of
20, each fetch acknowledging the last, until a poll gets nothing more; between
two polls an operator fixes problems at the source (R6).

Deterministic for a seed: `random.Random(seed)` and a simulated clock (the
library reads no clock), so the same seed gives the same summary. Ids are
random UUIDs and differ between runs. Personal identity numbers are synthetic
(`demo_personnummer`), never real ones.

One module per job: `data` (names, activities, personnummer, the counts),
`clock` (simulated Stockholm time), `scenarios` (the pauses' lives),
`provider` (set-up, the working days), `supervisor` (closing the days, R1),
`fixes` (the operator at the source, R6), `city` (the poller), `run` (`run_demo`,
the summary). Each job counts what it did in a small dataclass of its own.
"""

from homecare.demo.city import ProgressCallback
from homecare.demo.clock import START, local
from homecare.demo.data import ACTIVITIES, demo_personnummer
from homecare.demo.run import DemoSummary, run_demo

__all__ = [
    "ACTIVITIES",
    "START",
    "DemoSummary",
    "ProgressCallback",
    "demo_personnummer",
    "local",
    "run_demo",
]
