"""Value rules shared by several apps' services (the API schema documents the same patterns)."""

import re

# An ISO 4217 currency code as the services take it (upper-cased on the way in).
CURRENCY_PATTERN = "^[A-Za-z]{3}$"


def is_currency_code(value: str) -> bool:
    return bool(re.fullmatch(CURRENCY_PATTERN, value or ""))
