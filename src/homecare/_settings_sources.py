"""Where a setting's value came from: the `HOMECARE_*_FILE` source, and errors naming it.

A part of `homecare.settings.Settings` kept apart so that the one question "which
variable does an operator fix?" is answered in one place: an explicit argument
("as given"), `HOMECARE_<NAME>`, or for a secret `HOMECARE_<NAME>_FILE` when the
value was read from that file. Variables are looked up as pydantic-settings reads
them: the name in any case.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from homecare.errors import InvalidInputError

__all__ = ["ENV_PREFIX", "SECRETS", "SecretFiles", "environ_value", "one_line"]

ENV_PREFIX = "HOMECARE_"
SECRETS = ("cipher_key", "api_tokens", "poll_token")
"""The settings that may be read from a file named by `HOMECARE_<NAME>_FILE`."""


def environ_value(variable: str) -> str | None:
    """The non-empty value of `variable`, its name in any case (as pydantic-settings reads)."""
    wanted = variable.upper()
    for name, value in os.environ.items():
        if name.upper() == wanted and value:
            return value
    return None


class SecretFiles(PydanticBaseSettingsSource):
    """`HOMECARE_CIPHER_KEY_FILE=/run/secrets/key`: the secret is the file's text.

    One trailing newline is dropped. Setting both a secret's variable and its
    `_FILE` variable is refused: which one is meant cannot be guessed. An empty
    file is refused (a secret not yet written, a mount that failed), not read as
    "not set".
    """

    def __init__(self, settings_cls: type[BaseSettings], explicit: set[str]) -> None:
        super().__init__(settings_cls)
        self._explicit = explicit

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ does the work

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in SECRETS:
            if name in self._explicit:
                continue  # an explicit argument wins; the environment is not consulted
            variable = f"{ENV_PREFIX}{name.upper()}"
            path = environ_value(f"{variable}_FILE")
            if not path:
                continue
            if environ_value(variable):
                raise InvalidInputError(f"Both {variable} and {variable}_FILE are set: keep one.")
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise InvalidInputError(
                    f"{variable}_FILE: cannot read {path!r} ({type(error).__name__})."
                ) from None
            found[name] = text.removesuffix("\n").removesuffix("\r")
            if not found[name]:
                raise InvalidInputError(
                    f"{variable}_FILE: {path!r} is empty: write the secret into it, or unset "
                    f"{variable}_FILE."
                )
        return found


def one_line(error: ValidationError, *, given: set[str]) -> str:
    """The first error in one line, naming its source (`source`); an error of the settings
    as a whole (two settings that disagree) names them itself."""
    first = error.errors()[0]
    message, count = first["msg"].removeprefix("Value error, "), error.error_count()
    more = f" (and {count - 1} more)" if count > 1 else ""
    if not first["loc"]:
        return f"Settings: {message}{more}"
    name = str(first["loc"][0])
    return f"Setting {name} ({source(name, given)}): {message}{more}"


def source(name: str, given: set[str]) -> str:
    """Where setting `name`'s value came from, as an operator would fix it."""
    if name in given:
        return "as given"
    variable = f"{ENV_PREFIX}{name.upper()}"
    if name in SECRETS and not environ_value(variable) and environ_value(f"{variable}_FILE"):
        return f"{variable}_FILE"
    return variable
