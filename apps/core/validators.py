"""Value rules shared by several apps' services (the API schema documents the same patterns)."""

import re

# An ISO 4217 currency code as the services take it (upper-cased on the way in).
CURRENCY_PATTERN = "^[A-Za-z]{3}$"


# A website: http(s) on a DNS name (labels of at most 63 letters, digits or inner hyphens, an
# alphabetic top-level domain), an optional port and path. Narrower than Django's URLValidator (no
# IP addresses, no localhost), so that every address the API schema admits is one the server keeps.
WEBSITE_PATTERN = (
    r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::[0-9]{1,5})?(?:[/?#]\S*)?$"
)


def is_website(value: str) -> bool:
    return bool(re.fullmatch(WEBSITE_PATTERN, value or ""))


def is_currency_code(value: str) -> bool:
    return bool(re.fullmatch(CURRENCY_PATTERN, value or ""))


def is_iso_currency(value: str) -> bool:
    """An ISO 4217 alphabetic code that really exists (upper case: USD, not usd)."""
    import pycountry

    return bool(re.fullmatch("[A-Z]{3}", value or "")) and pycountry.currencies.get(alpha_3=value) is not None
