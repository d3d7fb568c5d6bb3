"""The secrets' `HOMECARE_<NAME>_FILE` variables: a secret read from a file.

A part of `homecare.settings.Settings` kept apart so that reading a file an
operator names is done in one place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from homecare._settings_sources import ENV_PREFIX, SECRETS, environ_name, shown
from homecare.errors import InvalidInputError

__all__ = ["SecretFiles", "read_secret_file"]


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
            file_variable = environ_name(f"{variable}_FILE")
            if file_variable is None:
                continue
            set_too = environ_name(variable)
            if set_too is not None:
                raise InvalidInputError(
                    f"Both {shown(set_too)} and {shown(file_variable)} are set: keep one."
                )
            path = os.environ[file_variable]
            text = read_secret_file(file_variable, path)
            found[name] = text.removesuffix("\n").removesuffix("\r")
            if not found[name]:
                raise InvalidInputError(
                    f"{shown(file_variable)}: {_path(path)} is empty: write the secret into it, "
                    f"or unset {shown(file_variable)}."
                )
        return found


def read_secret_file(variable: str, path: str) -> str:
    """The whole text (UTF-8) of the file at `path`; InvalidInputError naming `variable`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            f"{shown(variable)}: cannot read {_path(path)} ({type(error).__name__})."
        ) from None


def _path(path: str) -> str:
    """The path as an operator would find it, quoted; cut if long."""
    return repr(path) if len(path) <= 200 else f"{path[:200]!r}..."
