"""The fuzz run's summary: what the fuzzer sent and what came back, one line at the end of the run and
the counts in var/fuzz-report.json.

A plugin of the root conftest rather than hooks of tests/fuzz/conftest.py, because `make test` runs
the suite on several xdist workers: each worker counts the requests of the fuzz tests it ran and
hands its counts to the controller when it ends (``workeroutput``); only the controller prints. The
controller never collects, so it never loads tests/fuzz/conftest.py; a summary there would print
nothing. A run without xdist is its own controller: the same code prints its own counts.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from config.env import BASE_DIR

REPORT = BASE_DIR / "var" / "fuzz-report.json"

# (operation, method sent, status, problem code) -> count, filled by tests/fuzz/test_schema_fuzz.py.
CALLS: Counter = Counter()
# What the ST202 hook set aside, by field code (tests/fuzz/hooks.py): a reader can see what it hid.
SET_ASIDE: Counter = Counter()
# The settings of the run, as the fuzz tests read them (the controller does not read them itself).
SETTINGS: dict[str, object] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: JSON-safe lists for the controller
        worker_output["fuzz_calls"] = [[*key, count] for key, count in CALLS.items()]
        worker_output["fuzz_set_aside"] = list(SET_ASIDE.items())
        worker_output["fuzz_settings"] = SETTINGS


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """The controller adds up what each worker counted (xdist's hook; a worker that crashed has none)."""
    output = getattr(node, "workeroutput", {})
    for *key, count in output.get("fuzz_calls", ()):
        CALLS[tuple(key)] += count
    SET_ASIDE.update(dict(output.get("fuzz_set_aside", ())))
    SETTINGS.update(output.get("fuzz_settings", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    if hasattr(terminalreporter.config, "workerinput") or not CALLS:
        return
    operations = {operation for operation, *_ in CALLS}
    statuses: Counter = Counter()
    for (_operation, _method, status, _code), count in CALLS.items():
        statuses[status] += count
    summary = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    terminalreporter.write_line(
        f"schema fuzzing: {len(operations)} operations, {sum(CALLS.values())} requests "
        f"(max_examples={SETTINGS.get('examples')}, seed={SETTINGS.get('seed')}, "
        f"coverage phase={'on' if SETTINGS.get('coverage') else 'off'}); statuses {summary}"
    )
    if SET_ASIDE:
        aside = ", ".join(f"{code}: {count}" for code, count in SET_ASIDE.most_common())
        terminalreporter.write_line(f"schema-valid requests refused for data-dependent reasons (not failures): {aside}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"operation": operation, "method": method, "status": status, "code": code, "count": count}
        for (operation, method, status, code), count in sorted(CALLS.items())
    ]
    REPORT.write_text(json.dumps(rows, indent=1))
