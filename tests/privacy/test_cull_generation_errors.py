"""R16's cull generation is read on the driver's own cursor before every command and
read (issue 16): a store failure there is a `storage_error` like any other (D10), never
the driver's own exception, and the connection it broke is not handed out again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from homecare.bootstrap import Homecare
from homecare.errors import HomecareError
from tests.conftest import ACTOR, T0
from tests.scenario import Scenario


def test_R16_a_failing_cull_generation_read_is_a_storage_error(hc: Homecare) -> None:
    customer = Scenario(hc.app).customer().id
    with hc.database.write_engine.begin() as conn:
        conn.execute(text("ALTER TABLE homecare_subject_keys RENAME TO hidden_keys"))
    with pytest.raises(HomecareError) as caught:
        hc.app.open_contract(customer, actor=ACTOR, at=T0 + timedelta(hours=1))
    assert caught.value.code == "storage_error"
    assert "cannot be reached" not in str(caught.value)  # a damaged store, not a lost one
    with hc.database.write_engine.begin() as conn:
        conn.execute(text("ALTER TABLE hidden_keys RENAME TO homecare_subject_keys"))
    # the store works again, on fresh connections (PostgreSQL's was left in autocommit)
    contract = hc.app.open_contract(customer, actor=ACTOR, at=T0 + timedelta(hours=1))
    assert contract is not None
    if not hc.database.is_sqlite:
        with hc.database.engine.connect() as conn:
            assert conn.connection.driver_connection.autocommit is False
