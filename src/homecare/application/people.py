"""Customers, their decisions, contracts, orders and staff (R6, D8, D11)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID, uuid4

from homecare._es.application import EventStore
from homecare._es.error_map import boundary
from homecare.domain.common import UNSET, Unset, stockholm_day
from homecare.domain.contract import Contract
from homecare.domain.customer import Customer
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.order import Order
from homecare.domain.record import check_created_before
from homecare.domain.staff import Staff
from homecare.errors import InvalidInputError

__all__ = ["PeopleCommands"]


@boundary
class PeopleCommands(EventStore):
    """Who receives care and who gives it: each command returns the new record's id."""

    def register_customer(
        self,
        *,
        personnummer: str | PersonalIdentityNumber,
        name: str,
        organisation: str,
        actor: str,
        at: datetime,
    ) -> UUID:
        customer = Customer.register(
            personnummer=_pnr(personnummer, at),
            name=name,
            organisation=organisation,
            actor=actor,
            at=at,
        )
        self.save(customer)
        return customer.id

    def register_decision(
        self,
        customer_id: UUID,
        *,
        valid_from: date,
        valid_to: date | None,
        activities: Iterable[str],
        actor: str,
        at: datetime,
    ) -> UUID:
        decision_id = uuid4()
        self._change(
            Customer,
            customer_id,
            lambda customer: customer.register_decision(
                decision_id=decision_id,
                valid_from=valid_from,
                valid_to=valid_to,
                activities=activities,
                actor=actor,
                at=at,
            ),
        )
        return decision_id

    def open_contract(self, customer_id: UUID, *, actor: str, at: datetime) -> UUID:
        check_created_before(self._load(Customer, customer_id), at)
        contract = Contract.open(customer_id=customer_id, actor=actor, at=at)
        self.save(contract)
        return contract.id

    def place_order(
        self, contract_id: UUID, *, activities: Iterable[str], actor: str, at: datetime
    ) -> UUID:
        contract = self._load(Contract, contract_id)
        check_created_before(contract, at)
        order = Order.place(
            contract_id=contract_id,
            customer_id=contract.customer_id,
            activities=activities,
            actor=actor,
            at=at,
        )
        self.save(order)
        return order.id

    def register_staff(
        self,
        *,
        name: str,
        personnummer: str | PersonalIdentityNumber | None = None,
        sd_number: str | None = None,
        actor: str,
        at: datetime,
    ) -> UUID:
        staff = Staff.register(
            name=name,
            personnummer=None if personnummer is None else _pnr(personnummer, at),
            sd_number=sd_number,
            actor=actor,
            at=at,
        )
        self.save(staff)
        return staff.id

    def update_staff(
        self,
        staff_id: UUID,
        *,
        personnummer: str | PersonalIdentityNumber | Unset | None = UNSET,
        sd_number: str | Unset | None = UNSET,
        actor: str,
        at: datetime,
    ) -> None:
        """R6: fix a staff account; held visits of this person are released by the buffer."""
        staff = self._load(Staff, staff_id)
        pnr: PersonalIdentityNumber | Unset | None = (
            personnummer
            if personnummer is None or isinstance(personnummer, Unset)
            else _pnr(personnummer, at)
        )
        staff.update(personnummer=pnr, sd_number=sd_number, actor=actor, at=at)
        self.save(staff)


def _pnr(value: str | PersonalIdentityNumber, at: datetime) -> PersonalIdentityNumber:
    """D8: a personnummer as given, or parsed with the command's Stockholm day as today."""
    if isinstance(value, PersonalIdentityNumber):
        return value
    if not isinstance(value, str):
        raise InvalidInputError("A personnummer must be given as text.")
    return PersonalIdentityNumber.parse(value, today=stockholm_day(at))
