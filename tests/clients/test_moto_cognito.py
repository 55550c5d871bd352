"""Against moto's Cognito (its server on loopback): the pool's JWKS endpoint and tokens from InitiateAuth.

moto signs every pool's tokens with one fixed key of its own and serves it at
``/{pool_id}/.well-known/jwks.json``; its access tokens have the real Cognito issuer and claims, but
only the user scope ``aws.cognito.signin.user.admin`` (moto has no client-credentials flow).
"""

import pytest
from rest_framework.test import APIClient

from apps.clients.jwks import clear_key_sets
from apps.clients.tokens import InvalidToken, verify_access_token
from tests.clients.factories import make_partner
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

REGION = "us-east-2"  # the fake credentials' region (tests/aws/server.py)
PASSWORD = "Str0ng-Passw0rd!"


def _pool_with_user(idp, name: str) -> tuple[str, str, dict]:
    pool = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
    app = idp.create_user_pool_client(
        UserPoolId=pool, ClientName=f"{name}-client", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="integration", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="integration", Password=PASSWORD, Permanent=True)
    result = idp.initiate_auth(
        ClientId=app,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "integration", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return pool, app, result


@pytest.fixture
def cognito(aws, settings):
    idp = aws.client("cognito-idp")
    pool, app, tokens = _pool_with_user(idp, "bigtree")
    settings.COGNITO_ISSUER = ""
    settings.COGNITO_USER_POOL_ID = pool
    settings.AWS_REGION = REGION
    settings.COGNITO_JWKS_URL = f"{aws.endpoint}/{pool}/.well-known/jwks.json"
    clear_key_sets()
    yield {"idp": idp, "pool": pool, "app": app, "tokens": tokens}
    clear_key_sets()


def test_an_access_token_from_moto_verifies_against_the_pools_jwks(cognito):
    verified = verify_access_token(cognito["tokens"]["AccessToken"])
    assert verified.client_id == cognito["app"]
    assert verified.claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{cognito['pool']}"
    assert verified.scopes == frozenset({"aws.cognito.signin.user.admin"})


def test_through_the_api_the_token_authenticates_and_its_missing_scope_is_refused(cognito):
    partner = make_partner(source="KOM")
    partner.client.cognito_client_id = cognito["app"]
    partner.client.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {cognito['tokens']['AccessToken']}", HTTP_X_API_KEY=partner.key)
    # Authenticated (signature, issuer, token use, client and key all pass), but a user token has no API scope.
    assert_problem(api.get("/v1/masters/categories"), 403, "insufficient_scope")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {cognito['tokens']['AccessToken']}")
    assert_problem(api.get("/v1/masters/categories"), 401, "api_key_required")


def test_moto_id_tokens_and_tampered_tokens_are_refused(cognito):
    with pytest.raises(InvalidToken):
        verify_access_token(cognito["tokens"]["IdToken"])
    header, payload, signature = cognito["tokens"]["AccessToken"].split(".")
    with pytest.raises(InvalidToken):
        verify_access_token(f"{header}.{payload}.{signature[::-1]}")


def test_a_token_of_another_pool_is_refused_though_moto_signs_it_with_the_same_key(cognito):
    _pool, _app, other = _pool_with_user(cognito["idp"], "elsewhere")
    with pytest.raises(InvalidToken) as excinfo:
        verify_access_token(other["AccessToken"])
    assert "Issuer" in excinfo.value.reason
