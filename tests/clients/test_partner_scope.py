"""The partner scoping layer (apps.core.visibility): one rule per model, applied by the base API view,
failing closed; and the partner-facing rules around notes, vouchers, search and ordering."""

from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.urls import get_resolver
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.assistances import services as case_services
from apps.assistances.models import Event, Note
from apps.core.api import ReadOnlyResourceViewSet
from apps.core.visibility import ScopedQuerySet, ScopeNotDeclared, visible
from apps.masters.models import EventStatus
from apps.tracking.models import TrackingAction, TrackingMessage
from apps.vouchers.models import BenefitCommitment
from tests.assistances.factories import covered_case
from tests.clients.factories import credentials
from tests.clients.support import READ, WRITE
from tests.helpers import assert_problem
from tests.providers.factories import PaymentMethodFactory, ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, assistance, country

pytestmark = pytest.mark.django_db

EVENTS = "/v1/assistances/events"
NOTES = "/v1/assistances/notes"

# Models no API view reads, each with the reason it needs no partner rule. A new model must either
# get a ScopedQuerySet (and so a rule) or a line here.
NOT_SERVED_TO_PARTNERS = {
    "accounts.User": "operators' accounts; the Cognito user list is for administrators only",
    "audit.AuditLog": "the audit trail is read in the admin only",
    "audit.AuditOutbox": "internal delivery queue of audit entries",
    "clients.ApiClient": "partner registrations, managed in the admin",
    "clients.ApiKey": "key digests, managed in the admin",
    "core.IdempotencyRecord": "replayed by the API mixin itself, keyed by the caller",
    "tracking.TrackingMessage": "outgoing messages to MOK, read in the admin only",
    "tracking.TrackingAttempt": "delivery attempts of those messages, read in the admin only",
}


def _principal(source: str):
    return SimpleNamespace(
        is_api_client=True,
        source_code=source,
        is_authenticated=True,
        is_anonymous=False,
        pk=-1,
        has_perms=lambda perms, obj=None: True,
        has_perm=lambda perm, obj=None: True,
    )


def test_every_model_of_ours_declares_who_may_see_it():
    undeclared = []
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        label = model._meta.label
        queryset = model._default_manager.all()
        declared = isinstance(queryset, ScopedQuerySet) and queryset.partner_scope is not None
        if declared == (label in NOT_SERVED_TO_PARTNERS):
            undeclared.append(label)
    assert not undeclared, f"Give these a ScopedQuerySet, or list them in NOT_SERVED_TO_PARTNERS: {undeclared}"


def test_a_model_without_a_rule_is_refused_to_partners():
    with pytest.raises(ScopeNotDeclared):
        visible(Group.objects.all(), _principal("KOM"))
    # Operators are not confined by partner rules.
    assert visible(Group.objects.all(), None).model is Group


class _GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]


class _ForgotTheRuleViewSet(ReadOnlyResourceViewSet):
    """A new resource whose model has no partner rule: what a developer might add tomorrow."""

    queryset = Group.objects.order_by("id")
    serializer_class = _GroupSerializer
    permission_classes = []


def test_a_new_resource_without_a_rule_fails_closed_for_partners(admin_user):
    view = _ForgotTheRuleViewSet.as_view({"get": "list"})
    request = APIRequestFactory().get("/v1/groups")
    force_authenticate(request, user=_principal("KOM"), token=credentials())
    response = view(request)
    assert response.status_code == 403
    assert response.data["code"] == "not_available_to_partners"
    request = APIRequestFactory().get("/v1/groups")
    force_authenticate(request, user=admin_user)
    assert view(request).status_code == 200


@pytest.fixture
def kom_api(kom, partner_api):
    return partner_api(kom, scopes=(READ, WRITE))


@pytest.fixture
def mok_api(mok, partner_api):
    return partner_api(mok, scopes=(READ, WRITE))


def test_a_search_finds_the_partners_case_however_many_newer_cases_others_have(operator, kom_api):
    """Item 4: the search runs inside the partner's scope, so another source's cases cannot crowd it out."""
    mine = covered_case(source="KOM", actor=operator, traveller_document_number="CROWD123", external_reference="K-1")
    template = Event.objects.get(pk=mine.pk)
    opened = EventStatus.objects.get(code="OPENED")
    Event.objects.bulk_create(
        Event(
            code=f"BT-2099-{n:07d}",
            source_code="MOK",
            external_reference=f"M-{n}",
            traveller_name="Someone else",
            traveller_document_number="CROWD123",
            assistance_id=template.assistance_id,
            country_id=template.country_id,
            status=opened,
            opened_at=template.opened_at.replace(year=template.opened_at.year + 1),
        )
        for n in range(501)
    )
    body = kom_api.get(EVENTS, {"q": "CROWD123"}).json()
    assert [row["id"] for row in body["results"]] == [mine.pk]


def test_a_case_cannot_be_opened_on_another_partners_voucher(operator, kom_api):
    """Item 3: a foreign voucher reads as unknown, like a missing one, and nothing is consumed."""
    theirs = VoucherFactory(source="MOK", worldwide=True, residence_country=country("AR"))
    BenefitFactory(voucher=theirs, assistance=assistance("MED_EMERGENCY"))
    country("ES")
    body = {
        "source_code": "KOM",
        "external_reference": "KOM-X",
        "traveller_name": "Ana",
        "assistance": "MED_EMERGENCY",
        "country": "ES",
    }
    foreign = assert_problem(kom_api.post(EVENTS, {**body, "voucher": theirs.number}, format="json"), 400)
    missing = assert_problem(kom_api.post(EVENTS, {**body, "voucher": "NOPE-1"}, format="json"), 400)
    assert foreign["errors"] == missing["errors"] == {"voucher": [foreign["errors"]["voucher"][0]]}
    assert not Event.objects.filter(voucher=theirs).exists()
    assert not BenefitCommitment.objects.filter(voucher=theirs).exists()
    # The service refuses it too, for callers that do not come through the API.
    from apps.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        case_services.event_open(
            data={
                "source_code": "KOM",
                "traveller_name": "Ana",
                "assistance": assistance("MED_EMERGENCY"),
                "country": country("ES"),
                "voucher": theirs,
            },
            actor=_principal("KOM"),
        )


def _note_messages(event) -> list[TrackingMessage]:
    return list(TrackingMessage.objects.filter(event=event, action=TrackingAction.NOTE_REGISTER))


def test_only_shared_notes_written_by_us_leave_for_mok(operator):
    """Item 5: an internal note records no tracking message; a shared one does, without its author."""
    case = covered_case(source="MOK", actor=operator)
    case_services.note_create(event=case, body="Cardiac history, confidential", kind="medical", actor=operator)
    assert _note_messages(case) == []
    case_services.note_create(event=case, body="Ambulance on its way", visibility="shared", actor=operator)
    [message] = _note_messages(case)
    assert message.payload["body"] == "Ambulance on its way"
    assert operator.email not in str(message.payload)


def test_a_partners_note_is_shared_readable_and_not_echoed_back(operator, mok_api):
    """Item 6: a note posted by a partner is shared with it (it reads it back) and is not sent back to it."""
    case = covered_case(source="MOK", actor=operator, external_reference="MOK-N-1")
    response = mok_api.post(NOTES, {"event": case.pk, "body": "Traveller reached the hotel"}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["visibility"] == "shared"
    assert mok_api.get(f"{NOTES}/{created['id']}").status_code == 200
    assert [row["id"] for row in mok_api.get(NOTES, {"event": case.pk}).json()["results"]] == [created["id"]]
    assert _note_messages(case) == []
    # Asking for an internal note is refused, and stores nothing.
    count = Note.objects.count()
    refused = assert_problem(
        mok_api.post(NOTES, {"event": case.pk, "body": "x", "visibility": "internal"}, format="json"), 400
    )
    assert list(refused["errors"]) == ["visibility"]
    assert Note.objects.count() == count


def test_operators_still_read_every_source_and_every_person(operator, operator_client):
    """Operators are unchanged: every source, internal notes, and the people by name."""
    kom = covered_case(source="KOM", actor=operator, external_reference="K-OP")
    mok = covered_case(source="MOK", actor=operator, external_reference="M-OP")
    case_services.event_take(event=kom, operator=operator)
    internal = case_services.note_create(event=mok, body="internal", actor=operator)
    ids = {row["id"] for row in operator_client.get(EVENTS).json()["results"]}
    assert {kom.pk, mok.pk} <= ids
    assert operator_client.get(f"{EVENTS}/{kom.pk}").json()["assigned_operator"] == operator.email
    assert operator_client.get(f"{NOTES}/{internal.pk}").json()["author_repr"] == str(operator)
    history = operator_client.get(f"{EVENTS}/{kom.pk}/statuses").json()["results"]
    assert history[0]["actor_repr"] == str(operator)


def test_ordering_only_by_declared_fields_never_by_hidden_data(admin_user, operator_client, kom_api):
    """Item 8: ?ordering= is limited to each list's declared fields; a masked field is not one of them."""
    provider = ProviderFactory()
    PaymentMethodFactory(provider=provider)
    url = f"/v1/providers/{provider.pk}/paymentmethods"
    for api in (operator_client, kom_api):
        refused = assert_problem(api.get(url, {"ordering": "account_number"}), 400)
        assert list(refused["errors"]) == ["ordering"]
        assert api.get(url, {"ordering": "-created_at"}).status_code == 200
    assert_problem(operator_client.get("/v1/providers", {"ordering": "tax_id"}), 400)
    assert operator_client.get("/v1/providers", {"ordering": "-rating"}).status_code == 200


def test_every_list_declares_what_it_may_be_ordered_by():
    masked = {"account_number", "swift_bic", "holder_document_number", "traveller_document_number"}
    seen = 0
    for pattern in _walk(get_resolver().url_patterns):
        cls = getattr(pattern.callback, "cls", None)
        if cls is None or not hasattr(cls, "filter_queryset"):
            continue
        fields = cls.ordering_fields
        assert fields != "__all__", cls
        assert not set(fields or ()) & masked, cls
        seen += 1
    assert seen > 10


def _walk(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _walk(pattern.url_patterns)
        else:
            yield pattern
