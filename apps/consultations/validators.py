import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHONE_MIN_DIGITS = 6
PHONE_MAX_DIGITS = 20
PHONE_MAX_LENGTH = 32

# Digits, spaces, hyphens and parentheses, with an optional leading "+".
_PHONE_SHAPE = re.compile(r"^\+?[0-9 ()\-]+$")
_NOT_DIGIT = re.compile(r"\D")
# The same rule as one regular expression (shape and 6-20 digits), for the OpenAPI schema.
PHONE_PATTERN = r"^\+?(?:[ ()\-]*[0-9]){" + f"{PHONE_MIN_DIGITS},{PHONE_MAX_DIGITS}" + r"}[ ()\-]*$"


def phone_digits(value: str) -> str:
    """Only the digits of a phone number (what searches compare)."""
    return _NOT_DIGIT.sub("", value or "")


def validate_phone_number(value: str) -> None:
    if not _PHONE_SHAPE.match(value or ""):
        raise ValidationError(
            _("Use digits, spaces, hyphens and parentheses, with an optional leading +."), code="invalid_phone"
        )
    count = len(phone_digits(value))
    if not PHONE_MIN_DIGITS <= count <= PHONE_MAX_DIGITS:
        raise ValidationError(
            _("A phone number has between %(min)d and %(max)d digits.")
            % {"min": PHONE_MIN_DIGITS, "max": PHONE_MAX_DIGITS},
            code="invalid_phone",
        )
