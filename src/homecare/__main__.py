"""`python -m homecare`: the `homecare` command, the same `main` as the console script.

Why: where the console script is not on PATH (a virtual environment not activated, a
container's `python` only) the command is still one line away, and it behaves alike:
the same options, the same one-line errors, the same exit codes.
"""

from homecare.cli import main

if __name__ == "__main__":
    main()
