"""D10: a cursor the city keeps never misses an item, even across a restore from backup.

The issue's scenario on both stores: the city drains to position 4; the
provider restores a backup taken at position 2 and confirms three visits,
which get positions 3, 4 and 5. The kept cursor "4.<tag>" names the history
it was given in, so the fetch refuses it (`CursorHistoryError`, HTTP 409)
and says where to resume: after 2, the last position both histories share
(the delivered mark the backup holds). From there the city receives all three.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from homecare.errors import CursorHistoryError, InvalidCursorError
from homecare.outbox.cursor import Cursor, chain_tag, parse_cursor
from tests.outbox.restore import Provider


@pytest.fixture
def provider(store_url: str, tmp_path: Path) -> Iterator[Provider]:
    with Provider(store_url, tmp_path) as found:
        yield found


def test_d10_a_kept_cursor_is_refused_after_a_restore_and_resuming_misses_nothing(
    provider: Provider,
) -> None:
    provider.confirm(2)
    first = provider.hc.buffer.fetch()
    assert [i.position for i in first.items] == [1, 2]
    provider.hc.buffer.fetch(after=first.cursor)  # the city's receipt of 1-2
    provider.backup.take()  # at position 2, delivered mark 2
    provider.confirm(2)
    second = provider.hc.buffer.fetch(after=first.cursor)
    kept = second.cursor
    assert [i.position for i in second.items] == [3, 4]
    assert provider.hc.buffer.fetch(after=kept).items == []  # drained to 4
    received = {i.message_id for i in first.items + second.items}

    provider.restore()
    provider.confirm(3)
    with pytest.raises(CursorHistoryError) as caught:
        provider.hc.buffer.fetch(after=kept)
    assert caught.value.code == "cursor_from_another_history"
    assert caught.value.resume_after == first.cursor  # position 2, shared by both histories
    assert "restored" in caught.value.message
    assert provider.hc.buffer.delivered_position() == 2  # a refused fetch acknowledges nothing

    resumed = provider.hc.buffer.fetch(after=caught.value.resume_after)
    assert [i.position for i in resumed.items] == [3, 4, 5]
    assert not {i.message_id for i in resumed.items} & received  # the three new visits


def test_d10_a_store_recreated_with_a_shorter_history_is_recognised(provider: Provider) -> None:
    provider.backup.take()  # an empty store: nothing delivered, nothing shared
    provider.confirm(4)
    kept = provider.hc.buffer.fetch(after=provider.hc.buffer.fetch().cursor).cursor
    assert parse_cursor(kept).position == 4

    provider.restore()
    provider.confirm(2)  # positions 1-2 again, other visits; the city's 4 is beyond the end
    with pytest.raises(CursorHistoryError) as caught:
        provider.hc.buffer.fetch(after=kept)
    assert caught.value.resume_after is None  # from the start
    assert len(provider.hc.buffer.fetch(after=None).items) == 2


def test_d10_the_tag_chains_every_message_id_up_to_its_position(provider: Provider) -> None:
    provider.confirm(3)
    items = provider.hc.buffer.fetch().items
    tag = None
    for item in items:
        tag = chain_tag(tag, item.message_id)
        assert provider.hc.buffer.fetch(after=str(Cursor(item.position, tag))).items == [
            i for i in items if i.position > item.position
        ]
    assert provider.hc.buffer.fetch().cursor == f"3.{tag}"


def test_d10_a_wrong_tag_is_refused_and_a_plain_number_still_works(provider: Provider) -> None:
    provider.confirm(3)
    with pytest.raises(CursorHistoryError):
        provider.hc.buffer.fetch(after="2." + "0" * 16)
    plain = provider.hc.buffer.fetch(after="2")  # the format before cursors had a tag
    assert [i.position for i in plain.items] == [3]
    assert plain.cursor == provider.hc.buffer.fetch().cursor
    with pytest.raises(InvalidCursorError, match="no position beyond 3") as caught:
        provider.hc.buffer.fetch(after="9")
    assert not isinstance(caught.value, CursorHistoryError)
    assert provider.hc.buffer.fetch(after="0").items  # the start
    empty = provider.hc.buffer.fetch(after=plain.cursor)
    assert (empty.items, empty.cursor) == ([], plain.cursor)


@pytest.mark.parametrize(
    "cursor",
    ["-1", "1.", "1.abc", "1." + "G" * 16, "0." + "0" * 16, "1.." + "0" * 16, "9" * 19, "٣"],
)
def test_malformed_cursors(provider: Provider, cursor: str) -> None:
    with pytest.raises(InvalidCursorError, match="Malformed cursor") as caught:
        provider.hc.buffer.fetch(after=cursor)
    assert not isinstance(caught.value, CursorHistoryError)
