"""Money: a ``Decimal`` amount with an ISO 4217 currency, quantised to the currency's minor unit.

Choice: no library. django-money (py-moneyed) adds a ``MoneyField`` that owns its own
``<name>_currency`` column; the schema already keeps an amount and a currency as separate
columns (``VoucherBenefit.limit_amount``/``currency``, ``EventProvider.guaranteed_amount``/``currency``,
and a voucher's currency that is the benefits' currency), so adopting it would mean renaming columns
and changing the API contract for nothing but a lookup table. What the project needs from a library is
the minor unit of each currency; py-moneyed and babel take it from CLDR, which differs from ISO 4217
where cash rounding leaks in (CLDR gives HUF, TWD or ISK other digits than ISO, and babel is not a
dependency of ours). So the minor units below are ISO 4217's own table (the SIX list, "Minor unit"
column) for every currency whose minor unit is not 2, and 2 for the rest; ``MINOR_UNIT_OVERRIDES``
is where the business departs from ISO (none today: CLP 0, PYG 0, CLF 4 are ISO's).

Rounding is ROUND_HALF_UP: it is what the partners' invoices, the banks' statements and the
operators' calculators do, so an amount we quantise matches the one on the provider's bill; banker's
rounding (HALF_EVEN) only pays off when summing many rounded values, and each amount here is
rounded once, at the edge (a conversion, an input).

No float ever: amounts and rates are ``Decimal`` from strings or integers (``tests/core/test_no_float.py``).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ISO 4217 minor units that are not 2 (active codes, from the ISO 4217 list maintained by SIX).
_ISO_MINOR_UNITS = {
    # no minor unit
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # thousandths
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # units of account
    "CLF": 4, "UYW": 4,
}  # fmt: skip

# Where the business does not follow ISO 4217 (a currency the partners settle with other digits).
MINOR_UNIT_OVERRIDES: dict[str, int] = {}

DEFAULT_MINOR_UNITS = 2

ROUNDING = ROUND_HALF_UP

# Exchange rates keep this many decimals (ExchangeRate.rate): enough for CLF↔PYG and their inverses.
RATE_DECIMAL_PLACES = 10


def minor_units(currency: str) -> int:
    """How many decimals an amount in ``currency`` has (CLP 0, USD 2, CLF 4)."""
    code = (currency or "").upper()
    if code in MINOR_UNIT_OVERRIDES:
        return MINOR_UNIT_OVERRIDES[code]
    return _ISO_MINOR_UNITS.get(code, DEFAULT_MINOR_UNITS)


def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """``amount`` rounded (half up) to the minor unit of ``currency``."""
    if isinstance(amount, float):
        raise TypeError("Money is never a float: pass a Decimal, an int or a string.")
    return Decimal(amount).quantize(_exponent(currency), rounding=ROUNDING)


def has_too_many_decimals(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` is not exact in the minor unit of ``currency`` (12.345 USD, 10.5 CLP)."""
    amount = Decimal(amount)
    return amount != amount.quantize(_exponent(currency), rounding=ROUNDING)


def too_many_decimals_message(currency: str) -> str:
    places = minor_units(currency)
    if places == 0:
        return str(_("Amounts in %(currency)s have no decimals.") % {"currency": currency})
    return str(
        _("Amounts in %(currency)s have at most %(places)d decimals.") % {"currency": currency, "places": places}
    )


def validate_amount(amount: Decimal | None, currency: str, *, field: str) -> None:
    """Refuse an amount with more decimals than its currency allows: a Django ValidationError on ``field``.

    Model ``clean()`` methods call it, so ``full_clean()`` in the services and in admin forms refuse
    the same amounts; the code ``too_many_decimals`` reaches the API's ``error_codes``.
    """
    if amount is None or not currency:
        return
    if has_too_many_decimals(amount, currency):
        raise ValidationError({field: ValidationError(too_many_decimals_message(currency), code="too_many_decimals")})


def amount_errors(amounts: dict[str, tuple[Decimal | None, str]]) -> dict:
    """Field errors (code ``too_many_decimals``) for ``{field: (amount, currency)}``: the services' check,
    raised as ``ValidationFailed(errors)`` before anything is written."""
    from apps.core.exceptions import coded

    return {
        name: [coded(too_many_decimals_message(currency), "too_many_decimals")]
        for name, (amount, currency) in amounts.items()
        if amount is not None and currency and has_too_many_decimals(amount, currency)
    }
