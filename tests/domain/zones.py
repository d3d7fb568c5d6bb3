"""A time zone that is not the standard library's, for tests of the door (D10)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from homecare.domain.common import STOCKHOLM


class OwnZone(tzinfo):
    """Stockholm, as a tzinfo class of its own (pendulum's Timezone is not zoneinfo's)."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return STOCKHOLM.utcoffset(_wall(dt))

    def dst(self, dt: datetime | None) -> timedelta | None:
        return STOCKHOLM.dst(_wall(dt))

    def tzname(self, dt: datetime | None) -> str:
        return "own Stockholm"


def _wall(dt: datetime | None) -> datetime:
    assert dt is not None
    return datetime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, fold=dt.fold)
