"""Money: minor units, quantising, the decimals check, and the round trip through a rate (hypothesis)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.money import amount_errors, has_too_many_decimals, minor_units, quantize, validate_amount
from apps.masters.exchange_rates import apply_rate
from apps.masters.models import ExchangeRate


@pytest.mark.parametrize(
    ("currency", "places"),
    [("CLP", 0), ("PYG", 0), ("USD", 2), ("EUR", 2), ("ARS", 2), ("BRL", 2), ("MXN", 2), ("CLF", 4), ("KWD", 3)],
)
def test_minor_units(currency, places):
    assert minor_units(currency) == places
    assert minor_units(currency.lower()) == places


def test_quantize_rounds_half_up_to_the_minor_unit():
    assert quantize(Decimal("10.005"), "USD") == Decimal("10.01")
    assert quantize(Decimal("10.015"), "USD") == Decimal("10.02")  # half-up, not banker's (10.02 either way)
    assert quantize(Decimal("10.025"), "USD") == Decimal("10.03")  # banker's would give 10.02
    assert quantize(Decimal("1500.5"), "CLP") == Decimal("1501")
    assert quantize("0.12345", "CLF") == Decimal("0.1235")
    with pytest.raises(TypeError):
        quantize(1.5, "USD")  # a float is refused outright


def test_too_many_decimals():
    assert has_too_many_decimals(Decimal("10.5"), "CLP")
    assert not has_too_many_decimals(Decimal("10.00"), "CLP")  # trailing zeros are not decimals
    assert has_too_many_decimals(Decimal("1.001"), "USD")
    assert not has_too_many_decimals(Decimal("1.0001"), "CLF")
    with pytest.raises(ValidationError) as excinfo:
        validate_amount(Decimal("10.5"), "PYG", field="amount")
    assert excinfo.value.error_dict["amount"][0].code == "too_many_decimals"
    validate_amount(None, "PYG", field="amount")
    errors = amount_errors({"a": (Decimal("1.5"), "CLP"), "b": (Decimal("1.5"), "USD"), "c": (None, "CLP")})
    assert list(errors) == ["a"] and errors["a"][0].code == "too_many_decimals"


CURRENCIES = ["USD", "EUR", "MXN", "ARS", "BRL", "CLP", "PYG", "CLF"]


def _unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


@settings(max_examples=400, deadline=None)
@given(
    cents=st.integers(min_value=0, max_value=10**10),
    voucher_currency=st.sampled_from(CURRENCIES),
    other_currency=st.sampled_from(CURRENCIES),
    # Rates from 1e-4 to 1e5 with up to 10 decimals, as ExchangeRate stores them.
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=10),
    inverse=st.booleans(),
)
def test_there_and_back_stays_within_one_minor_unit(cents, voucher_currency, other_currency, rate, inverse):
    """An amount in the voucher's currency, converted to another at a stored rate (direct or inverse) and
    back at the same rate, differs from the original by at most one minor unit of the coarser of the two
    currencies, counted in the voucher's currency: one minor unit of the voucher's currency whenever the
    other currency's minor unit is worth no more (the usual case: USD vouchers, MXN or CLP providers)."""
    row = ExchangeRate(from_currency=voucher_currency, to_currency=other_currency, rate=rate)
    amount = cents * _unit(voucher_currency)
    there = apply_rate(amount, rate=row, inverse=inverse, to_currency=other_currency)
    back = apply_rate(there, rate=row, inverse=not inverse, to_currency=voucher_currency)
    assert back == quantize(back, voucher_currency)  # always in the voucher's minor unit
    factor = (1 / rate) if not inverse else rate  # value in the voucher's currency of one unit of the other
    other_unit_in_voucher_currency = _unit(other_currency) * factor
    allowed = max(_unit(voucher_currency), other_unit_in_voucher_currency)
    assert abs(back - amount) <= allowed
    if other_unit_in_voucher_currency <= _unit(voucher_currency):
        assert abs(back - amount) <= _unit(voucher_currency)
