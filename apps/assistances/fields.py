"""A case's fields, declared once: what a case answer shows and what opening and later edits may write.

The lists used to be kept by hand in the serializer, the list's fast read path, the services'
whitelists and the admin, and drifted apart; now each of them is built from here:

- ``EventSerializer.Meta.fields``, its related fields' sources and ``event_rows_data`` (the fast list
  path) from ``EVENT_READ_FIELDS`` and ``read_path``; ``selectors.EVENT_ROW_FIELDS`` (the
  ``values()`` list) from the same;
- ``services.OPENING_FIELDS`` and ``services.UPDATABLE_FIELDS`` (the admin saves through them) from
  ``EVENT_OPENING_FIELDS`` and ``EVENT_UPDATABLE_FIELDS``; the API's write serializers are held to
  the partner lists by the tests (they declare each field's input format, which is the API contract).

The demo generator writes every column of the model (``Event._meta``), so it needs no list here.
"""

# Who is helped, and where and what: shown in every answer, editable after opening.
_TRAVELLER = (
    "traveller_name",
    "traveller_document_type",
    "traveller_document_number",
    "traveller_phone",
    "traveller_email",
)
_PLACE = ("city", "address", "latitude", "longitude", "description", "priority")

# What a case answer shows, in answer order (the OpenAPI schema's order too).
EVENT_READ_FIELDS: tuple[str, ...] = (
    "id",
    "code",
    "source_code",
    "external_reference",
    "voucher",
    "covered",
    "coverage",
    "coverage_override_reason",
    *_TRAVELLER,
    "assistance",
    "country",
    *_PLACE,
    "status",
    "assigned_operator",
    "opened_at",
    "first_response_at",
    "closed_at",
    "sla_due_at",
    "sla_state",
    # Dispatch (issue 18): the operators' switch and the queue's flags.
    "cascade_enabled",
    "no_provider_at",
    "eta_breached_at",
    "version",
    "created_at",
    "updated_at",
)

# Related rows are shown by their public code (never a database id): the path to it from the case.
# For a partner, ``assigned_operator`` reads as a label rather than the person (OPERATOR_LABEL).
EVENT_READ_PATHS: dict[str, str] = {
    "voucher": "voucher__number",
    "assistance": "assistance__code",
    "country": "country__iso2",
    "city": "city__code",
    "status": "status__code",
    "assigned_operator": "assigned_operator__email",
}

# Not stored: derived from opened_at, sla_due_at and closed_at when read (selectors.sla_state_of).
EVENT_COMPUTED_FIELDS: tuple[str, ...] = ("sla_state",)


def read_path(name: str) -> str:
    """Where the answer's ``name`` is read from, as a ``values()`` path (``__`` between relations)."""
    return EVENT_READ_PATHS.get(name, name)


# Chosen at opening and fixed after it: who reports the case and what it is about (the admin shows
# them read-only on an existing case).
EVENT_IDENTITY_FIELDS: tuple[str, ...] = ("source_code", "external_reference", "voucher", "assistance", "country")

# What may change after opening (event_update); opening takes these too.
EVENT_UPDATABLE_FIELDS: tuple[str, ...] = (*_TRAVELLER, *_PLACE, "assigned_operator")

EVENT_OPENING_FIELDS: tuple[str, ...] = EVENT_IDENTITY_FIELDS + EVENT_UPDATABLE_FIELDS

# Operators' choices: a partner never picks who works its case (operators take cases, event_take).
EVENT_OPERATOR_ONLY_FIELDS: tuple[str, ...] = ("assigned_operator",)

EVENT_PARTNER_OPENING_FIELDS = tuple(n for n in EVENT_OPENING_FIELDS if n not in EVENT_OPERATOR_ONLY_FIELDS)
EVENT_PARTNER_UPDATABLE_FIELDS = tuple(n for n in EVENT_UPDATABLE_FIELDS if n not in EVENT_OPERATOR_ONLY_FIELDS)
