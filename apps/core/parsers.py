"""Request body parsers: malformed input is a 400, whatever shape it takes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with nesting too deep for Python's decoder answered as a 400.

    ``json`` recurses once per nesting level, so ``[[[[...]]]]`` a few thousand levels deep raises
    ``RecursionError``, which DRF does not expect (it catches ``ValueError`` only) and became a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the document is nested too deeply.")) from None
