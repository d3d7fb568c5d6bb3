"""The `homecare` command line: an optional extra (`pip install homecare[cli]`)."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Console-script entry point; a clear line instead of a traceback if the extra is missing."""
    try:
        from homecare.cli.app import run
    except ImportError as error:  # pragma: no cover - depends on the environment
        sys.stderr.write(
            f"homecare: the command line needs its extra ({error.name} is missing): "
            "pip install 'homecare[cli]'\n"
        )
        raise SystemExit(2) from None
    run()
