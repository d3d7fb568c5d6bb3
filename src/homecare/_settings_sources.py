"""Where a setting's value came from: the variables read, and errors naming them.

A part of `homecare.settings.Settings` kept apart so that the one question "which
variable does an operator fix?" is answered in one place: an explicit argument
("as given"), `HOMECARE_<NAME>`, or for a secret `HOMECARE_<NAME>_FILE` when the
value was read from that file (`homecare._settings_files`). Variables are looked up
as pydantic-settings reads them: the name in any case, and named as spelt. A variable
set under two spellings (`Spellings`) and a `HOMECARE_*` variable that names no
setting (a misspelling, `UnknownVariables`) are refused, never chosen or ignored.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from homecare.errors import InvalidInputError, UnknownSettingError

__all__ = [
    "ENV_PREFIX",
    "SECRETS",
    "TOOLS_PREFIX",
    "Spellings",
    "UnknownVariables",
    "environ_name",
    "known_variables",
    "one_line",
    "refusal",
    "shown",
    "suggestion",
]

ENV_PREFIX = "HOMECARE_"
SECRETS = ("cipher_key", "api_tokens", "poll_token")
"""The settings that may be read from a file named by `HOMECARE_<NAME>_FILE`."""
TOOLS_PREFIX = "HOMECARE_TEST_"
"""The variables of the repository's own tools (the tests, benchmarks, CI), e.g.
`HOMECARE_TEST_POSTGRES_URL`: never settings, so never refused as unknown."""
_CLOSE = 0.6
"""How alike (difflib's ratio of the names without the prefix) a known name must be to be
offered as the one meant: `CIPHER_KY` ~ `CIPHER_KEY` (0.95), `DB_URL` ~ `DATABASE_URL` (0.67)."""


def environ_name(variable: str) -> str | None:
    """The name under which `variable` is set (not empty) in the environment, compared in
    lower case as pydantic-settings compares names (`homecare_pool_size` is
    `HOMECARE_POOL_SIZE`); None when it is not set.

    Raises InvalidInputError when it is set under two names or more, whatever their values
    (pydantic-settings would read one of them without a word): one line naming them all,
    never a value.
    """
    wanted = variable.lower()
    names = sorted(name for name, value in os.environ.items() if value and name.lower() == wanted)
    if len(names) > 1:
        listed = f"{', '.join(shown(name) for name in names[:-1])} and {shown(names[-1])}"
        raise InvalidInputError(
            f"{listed} are {'both' if len(names) == 2 else 'all'} set: they name one variable "
            "(a name is read in any case); keep one."
        )
    return names[0] if names else None


def shown(name: str) -> str:
    """A variable's name as set, for a message: cut, and quoted if it is not plain text."""
    return name if name.isascii() and name.isprintable() and len(name) <= 80 else ascii(name[:80])


class Spellings(PydanticBaseSettingsSource):
    """Reads nothing; refuses a setting's variable (or a secret's `_FILE`) set under two
    names that differ only in case (`HOMECARE_POOL_SIZE=3 homecare_pool_size=x`), even
    with one value: which one is meant cannot be guessed (`environ_name`). A setting given
    as an argument is not looked up, so its variable is not checked either.
    """

    def __init__(self, settings_cls: type[BaseSettings], explicit: set[str]) -> None:
        super().__init__(settings_cls)
        self._explicit = explicit

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ does the work

    def __call__(self) -> dict[str, Any]:
        for name in self.settings_cls.model_fields:
            if name not in self._explicit:
                environ_name(f"{ENV_PREFIX}{name.upper()}")
                if name in SECRETS:
                    environ_name(f"{ENV_PREFIX}{name.upper()}_FILE")
        return {}


class UnknownVariables(PydanticBaseSettingsSource):
    """Reads nothing; refuses every non-empty `HOMECARE_*` variable (its name in any case, as
    pydantic-settings reads them) that is neither `HOMECARE_<SETTING>`, a secret's
    `HOMECARE_<SECRET>_FILE`, nor a tool's `HOMECARE_TEST_*`.

    Raises UnknownSettingError (one line, naming each such variable and, where one is
    close, the variable meant; never a value, which may be a secret). An empty variable
    counts as unset, as it does for the settings themselves.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ does the work

    def __call__(self) -> dict[str, Any]:
        known = known_variables(self.settings_cls.model_fields)
        folded = {variable.lower() for variable in known}
        unknown = sorted(
            name
            for name, value in os.environ.items()
            if value
            and name.lower().startswith(ENV_PREFIX.lower())
            and not name.lower().startswith(TOOLS_PREFIX.lower())
            and name.lower() not in folded
        )
        if unknown:
            raise UnknownSettingError(_unknown(unknown, known))
        return {}


def known_variables(fields: Iterable[str]) -> list[str]:
    """Every variable that sets one of `fields`: `HOMECARE_<NAME>`, and for a secret its
    `HOMECARE_<NAME>_FILE` too (upper case)."""
    names = [f"{ENV_PREFIX}{field.upper()}" for field in fields]
    return names + [f"{ENV_PREFIX}{secret.upper()}_FILE" for secret in SECRETS]


def _unknown(names: list[str], known: list[str]) -> str:
    plural = len(names) > 1
    return (
        f"Unknown variable{'s' * plural} {', '.join(_named(name, known) for name in names)}: "
        f"{'these name' if plural else 'it names'} no homecare setting; rename or unset "
        f"{'them' if plural else 'it'} (docs/configuration.md lists the settings)."
    )


def _named(name: str, known: list[str]) -> str:
    """`name` as set (`shown`), with the variable meant."""
    by_fold = {variable.lower(): variable for variable in known}
    stem = name.lower().removesuffix("_file")
    if stem != name.lower() and stem in by_fold:  # HOMECARE_POOL_SIZE_FILE
        return f"{shown(name)} (only a secret is read from a file: set {by_fold[stem]} itself)"
    meant = suggestion(name, known)
    return f"{shown(name)} (did you mean {meant}?)" if meant else shown(name)


def suggestion(name: str, known: Iterable[str]) -> str | None:
    """The one of `known` names (`HOMECARE_...` or settings' field names) closest to
    `name` (any case), if any is close enough (`_CLOSE`); compared without the prefix."""

    def bare(text: str) -> str:
        return text.upper().removeprefix(ENV_PREFIX)

    by_bare = {bare(k): k for k in known}
    close = difflib.get_close_matches(bare(name), list(by_bare), n=1, cutoff=_CLOSE)
    return by_bare[close[0]] if close else None


def refusal(error: ValidationError, *, given: set[str], fields: Iterable[str]) -> InvalidInputError:
    """The error to raise for `error`: UnknownSettingError naming every argument that names
    no setting (`Settings(cipher_keys=...)`), else InvalidInputError (`one_line`)."""
    extra = [
        str(e["loc"][0]) for e in error.errors() if e["type"] == "extra_forbidden" and e["loc"]
    ]
    if not extra:
        return InvalidInputError(one_line(error, given=given))
    fields = list(fields)
    named = []
    for name in extra:
        meant = suggestion(name, fields)
        named.append(f"{name[:80]!r}" + (f" (did you mean {meant}?)" if meant else ""))
    plural = len(extra) > 1
    return UnknownSettingError(
        f"Unknown setting{'s' * plural} {', '.join(named)} (as given): homecare has no setting "
        f"of {'these names' if plural else 'this name'}."
    )


def one_line(error: ValidationError, *, given: set[str]) -> str:
    """The first error in one line, naming its setting and source (`source`); an error of
    the settings as a whole (two settings that disagree) names in its context the
    `setting` to change, else the settings as a whole."""
    first = error.errors()[0]
    message, count = first["msg"].removeprefix("Value error, "), error.error_count()
    more = f" (and {count - 1} more)" if count > 1 else ""
    setting = first["loc"][0] if first["loc"] else first.get("ctx", {}).get("setting")
    if setting is None:
        return f"Settings: {message}{more}"
    name = str(setting)
    return f"Setting {name} ({source(name, given)}): {message}{more}"


def source(name: str, given: set[str]) -> str:
    """Where setting `name`'s value came from, as an operator would fix it: "as given", or
    the variable read, as it is spelt (`homecare_pool_size`), a secret's `_FILE` if that."""
    if name in given:
        return "as given"
    variable = f"{ENV_PREFIX}{name.upper()}"
    read = environ_name(variable)
    if read is None and name in SECRETS:
        read = environ_name(f"{variable}_FILE")
    return shown(read or variable)
