"""Fixtures of the schema fuzzing: a partner with every scope and a plan too large to throttle,
its real token (the loopback JWKS of tests/clients), a few rows of each resource, and a summary of
what the fuzzer sent, printed at the end of the run."""

import os
from collections import Counter

import pytest

from apps.clients.models import ApiClient
from apps.clients.scopes import ALL_SCOPES
from tests.clients import conftest as client_fixtures
from tests.clients.factories import make_partner

# The partner-token fixtures of tests/clients (a JWKS server on loopback, real API keys).
signing_keys = client_fixtures.signing_keys
jwks_server = client_fixtures.jwks_server
issuer = client_fixtures.issuer
token_for = client_fixtures.token_for

# Bounded by default (make test); `make fuzz` raises it. Fixed seed: a failure replays identically.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20240611"))
# The coverage phase (boundary values of every parameter) is part of the deep run only.
FUZZ_COVERAGE = os.environ.get("FUZZ_COVERAGE", "") not in ("", "0")

# What the fuzzer sent and what came back, for the summary line: (operation, status) -> count.
CALLS: Counter = Counter()


@pytest.fixture
def fuzz_partner(db):
    """A KOM partner with read and write on both resource servers. Its usage plan is far above what
    the run sends, so a 429 would be a real finding rather than the fuzzer's own pace."""
    return make_partner(
        source="KOM",
        name="Fuzz partner",
        scopes=ALL_SCOPES,
        rate_per_second=1_000_000.0,
        burst=1_000_000,
        monthly_quota=2_000_000_000,
    )


@pytest.fixture
def fuzz_headers(fuzz_partner, token_for) -> dict[str, str]:
    assert ApiClient.objects.get(pk=fuzz_partner.client.pk).burst == 1_000_000
    token = token_for(fuzz_partner, scopes=ALL_SCOPES, lifetime=3 * 3600)
    return {"Authorization": f"Bearer {token}", "x-api-key": fuzz_partner.key}


def pytest_terminal_summary(terminalreporter):
    if not CALLS:
        return
    operations = {operation for operation, _status in CALLS}
    statuses = Counter()
    for (_operation, status), count in CALLS.items():
        statuses[status] += count
    summary = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    terminalreporter.write_line(
        f"schema fuzzing: {len(operations)} operations, {sum(CALLS.values())} requests "
        f"(max_examples={FUZZ_EXAMPLES}, seed={FUZZ_SEED}, coverage phase={'on' if FUZZ_COVERAGE else 'off'}); "
        f"statuses {summary}"
    )
