"""The operators' browser front end (the seed's frontend-assistences client) calls the API with its
users' Cognito access tokens: the operator is the token's ``sub``, its access the token's groups."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.audit.models import ActorType
from tests.accounts.factories import UserFactory
from tests.clients.factories import audit_entries
from tests.clients.support import access_claims, sign
from tests.helpers import assert_problem
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

FRONTEND = "frontend-assistences-id"
NOTES = "/v1/assistances/notes"


@pytest.fixture
def frontend(settings, issuer, signing_keys):
    settings.COGNITO_FRONTEND_CLIENT_IDS = [FRONTEND]

    def token(sub: str, groups=(TMO_GROUP,), **overrides) -> str:
        claims = access_claims(
            issuer=issuer,
            client_id=FRONTEND,
            scopes=("aws.cognito.signin.user.admin",),
            sub=sub,
            username=f"user-{sub}",
            **{"cognito:groups": list(groups)},
            **overrides,
        )
        return sign(claims, signing_keys["a"])

    return token


@pytest.fixture
def linked_operator(db):
    """An operator who signed in to the back office once (so their Cognito ``sub`` is linked)."""
    user = UserFactory(is_staff=True, cognito_sub="sub-ana")
    user.groups.add(Group.objects.get(name=TMO_GROUP))
    return user


def _api(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def test_a_front_end_user_token_acts_as_the_operator(frontend, linked_operator):
    from tests.assistances.factories import covered_case

    country("ES")
    case = covered_case(source="MOK", actor=linked_operator)  # operators see every source
    api = _api(frontend("sub-ana"))
    assert api.get(f"/v1/assistances/events/{case.pk}").status_code == 200
    response = api.post(NOTES, {"event": case.pk, "body": "Called the hotel"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["visibility"] == "internal"  # an operator's note, not a partner's
    assert response.json()["author_repr"] == str(linked_operator)
    [entry] = audit_entries(action="create", object_type="assistances.note")
    assert (entry["actor_type"], entry["actor_id"]) == (ActorType.USER, str(linked_operator.pk))
    # No API key is needed, and no usage plan applies.
    assert "X-RateLimit-Limit" not in response


def test_permissions_follow_the_tokens_groups(frontend, linked_operator):
    # A TMO operator cannot edit catalogs; the same person made admin in Cognito can.
    assert _api(frontend("sub-ana")).get("/v1/users").status_code == 403
    _api(frontend("sub-ana", groups=(ADMIN_GROUP,))).get("/v1/masters/categories")
    linked_operator.refresh_from_db()
    assert set(linked_operator.groups.values_list("name", flat=True)) == {ADMIN_GROUP}


def test_a_user_in_no_operator_group_is_refused(frontend, linked_operator):
    body = assert_problem(_api(frontend("sub-ana", groups=())).get("/v1/masters/categories"), 403, "no_group")
    assert "grupo" in body["detail"]  # Spanish by default
    assert_problem(_api(frontend("sub-ana", groups=("self-signed-up",))).get("/v1/masters/categories"), 403)


def test_unknown_or_disabled_identities_are_refused(frontend, linked_operator):
    assert_problem(_api(frontend("sub-nobody")).get("/v1/masters/categories"), 401)
    linked_operator.is_active = False
    linked_operator.save()
    assert_problem(_api(frontend("sub-ana")).get("/v1/masters/categories"), 401)


def test_other_clients_user_tokens_still_need_a_registered_api_client(frontend, issuer, signing_keys, linked_operator):
    """Only the configured front-end clients stand for operators; any other client is a partner."""
    claims = access_claims(
        issuer=issuer, client_id="some-other-client", sub="sub-ana", **{"cognito:groups": [TMO_GROUP]}
    )
    assert_problem(_api(sign(claims, signing_keys["a"])).get("/v1/masters/categories"), 401)


def test_without_front_end_clients_configured_user_tokens_are_refused(frontend, settings, linked_operator):
    settings.COGNITO_FRONTEND_CLIENT_IDS = []
    assert_problem(_api(frontend("sub-ana")).get("/v1/masters/categories"), 401)
