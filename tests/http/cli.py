"""The serve and poll commands on a CLI of their own: `python -m tests.http.cli poll ...`.

The tests run the commands through `register()` exactly as the real CLI
(homecare.cli.app) adds them, without depending on the rest of that CLI.
"""

import typer

from homecare.cli.serve import register

app = typer.Typer()
register(app)

if __name__ == "__main__":
    app()
