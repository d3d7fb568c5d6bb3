"""A reference poller: what the City of Stockholm's system does, over HTTP only (R3, D3).

It keeps its cursor in a state file, fetches `limit` items at a time until a
short batch, waits `every` seconds and polls again. Each batch is recorded
(and handed to `handle`) before its cursor is saved, and only a saved cursor
is ever sent, which acknowledges: a crash at any point re-fetches at most the
batch in flight and never skips one (at-least-once; the city deduplicates by
`message_id`). The state file is replaced atomically (temp file, fsync,
rename), so it always holds the old or the new cursor, never half of one.

A cursor carries the history it was given in (D10). If the server's store
was restored from a backup or recreated, it answers 409
`cursor_from_another_history` with `resume_after`: the poller goes on from
there by itself (logging a warning) and skips items whose `message_id` it has
already received; the last `remember` message ids are kept in the state file
for that, beside the cursor.

Why it imports nothing of the library but HTTP: it is the other side of the
wire, and must work against any server that speaks the contract.

One module per job: `options` (the error, backoff, statistics, checks),
`state` (the state file and the received file), `stopping` (stop event and
signals), `session` (fetch, record, save, resume), `loop` (`poll`).
"""

from homecare.poller.loop import DEFAULT_STATE_FILE, poll
from homecare.poller.options import Backoff, PollError, PollStats

__all__ = ["DEFAULT_STATE_FILE", "Backoff", "PollError", "PollStats", "poll"]
