"""JSON allows integers of any size; the renderer must not fail on one a client stored (a draft)."""

import json

from apps.core.renderers import JSONRenderer


def test_an_integer_beyond_64_bits_is_rendered():
    data = {"draft": {"n": 2**70, "ok": 1}, "amount": "1.00"}
    assert json.loads(JSONRenderer().render(data)) == data
