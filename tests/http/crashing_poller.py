"""poll() that SIGKILLs itself after recording batch N, before that batch's cursor is saved.

Usage: python -m tests.http.crashing_poller URL TOKEN STATE RECEIVED LIMIT N
"""

import os
import signal
import sys
from pathlib import Path
from typing import Any

from homecare.poller import poll


def main() -> None:
    url, token, state, received, limit, crash_at = sys.argv[1:7]
    batches = 0

    def handle(_items: list[dict[str, Any]]) -> None:
        nonlocal batches
        batches += 1
        if batches == int(crash_at):
            os.kill(os.getpid(), signal.SIGKILL)

    poll(
        url,
        token,
        limit=int(limit),
        state_file=Path(state),
        received=Path(received),
        once=True,
        handle=handle,
    )


if __name__ == "__main__":
    main()
