"""Schemathesis hooks shared by the in-process fuzz tests and the CLI against `make run`
(``SCHEMATHESIS_HOOKS=tests.fuzz.hooks schemathesis run ...``, see schemathesis.toml).

One hook: which "schema-valid request rejected" (ST202) findings are not the schema's fault.

A generated request can match the schema and still name something that does not exist: a country,
category or status code the catalogs do not hold, a case id of another partner, a cursor the server
never issued; or a request that is valid for one caller only (a partner's phone consultation must
name one of its cases, the schema being the same for every caller); or a rule between parameters
that OpenAPI cannot state (a provider search needs a point, a city or a country). The server answers
400 with ``error_codes`` naming each field's reason. No schema can rule these out; every other
rejection of a schema-valid request (a missing bound, an undocumented pattern...) is still a failure.
The list is short on purpose.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

from tests.fuzz.report import SET_ASIDE  # what the filter below set aside, for the run's summary

# Reasons that depend on stored data, on the caller, or on a rule between parameters.
DATA_DEPENDENT_CODES = frozenset(
    {
        "does_not_exist",  # a catalog code, case, provider, status or city the caller cannot see
        "invalid_cursor",  # a pagination cursor the server did not issue (cursors are opaque)
        "case_required",  # a partner must link a phone consultation to one of its cases
        "shared_only",  # a partner's notes are shared with it: "internal" is for operators
        "search_point_required",  # a provider search needs a point, a city or a country
        "city_country_mismatch",  # a city code of another country than the one given
        "required_for_kind",  # a field another one's value requires (a bank transfer's account)
        "unique",  # the same provider (country and tax id) sent twice: it exists after the first
        "required_together",  # latitude with longitude: OpenAPI 3.0 has no dependentRequired
        "unsupported_file_type",  # the bytes are no recording, PDF or image (a schema names media types only)
        "empty_file",  # the same: a part of the declared media type with no content
        "content_type_mismatch",  # the same: bytes of one format declared as another
        # a call in the future, a validity ending before it starts, a revert time in the past or more
        # than 30 days ahead: OpenAPI has no bounds for dates, let alone bounds relative to now
        "date_out_of_range",
        # an amount with more decimals than its currency allows (1.50 CLP): the schema allows two for every
        # currency, since the currency is another field's value (apps/core/money.py)
        "too_many_decimals",
        # a benefit's currency other than the voucher's: a rule between two fields of the request
        "currency_mismatch",
        # three letters ISO 4217 does not list ("AAA"): the schema gives the format, not the list
        "unknown_currency",
        # one of two fields (a benefit's assistance or category; its amount or number of uses): a rule
        # across fields that OpenAPI 3.0 states only as oneOf/anyOf of required lists
        "one_of_required",
        # a bill's figures that must agree with each other: its total with its lines' sum, a line's amount
        # with quantity × unit price (and what the columns hold), an allowed amount with the stored billed
        # one, a reason when less than billed is allowed, the possible duplicates acknowledged before deciding
        "total_mismatch",
        "line_amount_mismatch",
        "amount_too_large",
        "above_billed",
        "reason_required",
        "flags_not_acknowledged",
        # a reason alone for a bill line that has no allowed amount yet (PATCH keeps what is left out)
        "not_reviewed",
        # a provider assigned to a case: inactive, not offering the case's assistance, a location of
        # another provider, a guarantee on a case without a voucher: the stored provider and case decide
        "provider_inactive",
        "assistance_not_offered",
        "another_providers_location",
        "voucher_required",
        # a new voucher's status that the catalog does not mark as initial (EXPIRED): the catalog decides
        "not_an_initial_status",
        # Dispatch (issue 18) adds none: its refusals that depend on stored data (offer_open, the same
        # provider already has an open offer; offer_expired, accepted past its time; case_closed; a step
        # the provider status machine does not allow, illegal_transition) are 409s, which the
        # acceptance check expects (schemathesis.toml); its 400s are the assignment's codes above.
    }
)


def leaf_codes(tree: Any):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from leaf_codes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from leaf_codes(value)
    else:
        yield str(tree)


def is_data_dependent_rejection(response) -> bool:
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    codes = set(leaf_codes(body.get("error_codes") or {})) if isinstance(body, dict) else set()
    return bool(codes) and codes <= DATA_DEPENDENT_CODES


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    if isinstance(failure, RejectedPositiveData) and is_data_dependent_rejection(response):
        SET_ASIDE.update(set(leaf_codes(response.json()["error_codes"])))
        return False
    return True
