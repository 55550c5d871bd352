import pytest
from rest_framework.test import APIClient

from apps.clients.jwks import clear_key_sets
from apps.clients.scopes import ALL_SCOPES
from tests.clients.factories import make_partner
from tests.clients.isolation import Shared, build_side
from tests.clients.support import READ, WRITE, JwksServer, SigningKey, access_claims, sign
from tests.providers.factories import LocationFactory, PaymentMethodFactory, ProviderFactory
from tests.vouchers.factories import assistance, country


@pytest.fixture(scope="session")
def signing_keys():
    """Three RSA key pairs, generated once per run (never stored)."""
    return {name: SigningKey(kid=f"kid-{name}") for name in ("a", "b", "c")}


@pytest.fixture
def jwks_server(signing_keys):
    server = JwksServer().start()
    server.publish(signing_keys["a"])
    yield server
    server.stop()


@pytest.fixture
def issuer(jwks_server, settings):
    """Tokens of the loopback issuer are accepted by the API (its JWKS fetched over HTTP)."""
    settings.COGNITO_ISSUER = jwks_server.issuer
    settings.COGNITO_JWKS_URL = ""
    clear_key_sets()
    yield jwks_server.issuer
    clear_key_sets()


@pytest.fixture
def kom(db):
    return make_partner(source="KOM", name="KOM partner", scopes=ALL_SCOPES)


@pytest.fixture
def mok(db):
    return make_partner(source="MOK", name="MOK partner", scopes=ALL_SCOPES)


@pytest.fixture
def token_for(issuer, signing_keys):
    """token_for(partner, scopes=..., **claims) -> a valid access token signed with key "a"."""

    def make(partner, *, key: str = "a", **overrides) -> str:
        return sign(access_claims(issuer=issuer, client_id=partner.client_id, **overrides), signing_keys[key])

    return make


@pytest.fixture
def partner_api(token_for):
    """partner_api(partner, scopes=...) -> an APIClient sending that partner's token and API key."""

    def make(partner, **token_options) -> APIClient:
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {token_for(partner, **token_options)}", HTTP_X_API_KEY=partner.key
        )
        return client

    return make


@pytest.fixture
def isolation_world(operator, admin_user, issuer):
    admin_api = APIClient()
    admin_api.force_login(admin_user)
    country("FR")
    sides = {source: build_side(source, operator, admin_api) for source in ("KOM", "MOK")}
    provider = ProviderFactory(assistances=[assistance("MED_EMERGENCY")], country=country("ES"))
    shared = Shared(
        provider_id=provider.pk,
        location_id=LocationFactory(provider=provider).pk,
        method_id=PaymentMethodFactory(provider=provider).pk,
    )
    return sides, shared


@pytest.fixture
def isolation_partners(db):
    # A generous plan: the test sends a few hundred calls in a burst, and a 429 would hide an answer.
    plan = {"rate_per_second": 10_000, "burst": 10_000, "monthly_quota": 1_000_000}
    return {source: make_partner(source=source, scopes=(READ, WRITE), **plan) for source in ("KOM", "MOK")}
