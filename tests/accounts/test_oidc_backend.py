"""The operator sign-in rules and the OIDC backend's token checks (no provider process needed here)."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory

from apps.accounts.models import User
from apps.accounts.oidc import REFUSAL_ATTRIBUTE, OperatorOIDCBackend, identity_from_claims
from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.accounts.services import OidcIdentity, SignInRefused, operator_sign_in
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CLIENT_ID = "bigtree-admin-test"
ISSUER = "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Test"


def identity(**overrides) -> OidcIdentity:
    values = {
        "sub": "sub-ana",
        "email": "ana@bigtree.test",
        "email_verified": True,
        "cognito_groups": (TMO_GROUP,),
        "first_name": "Ana",
        "last_name": "Operator",
    }
    return OidcIdentity(**{**values, **overrides})


def group_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


# --- Sign-in rules ---------------------------------------------------------------------------------


def test_first_sign_in_creates_a_staff_user_in_the_mapped_group():
    user = operator_sign_in(identity=identity())

    assert (user.email, user.cognito_sub, user.first_name, user.last_name) == (
        "ana@bigtree.test",
        "sub-ana",
        "Ana",
        "Operator",
    )
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert group_names(user) == {TMO_GROUP}


def test_user_is_matched_by_sub_not_by_email():
    first = operator_sign_in(identity=identity())
    UserFactory(email="someone-else@bigtree.test")

    again = operator_sign_in(identity=identity(email="ana.new@bigtree.test"))

    assert again.pk == first.pk
    assert again.email == "ana.new@bigtree.test"  # verified change in Cognito follows


def test_unverified_email_change_is_not_copied():
    operator_sign_in(identity=identity())

    user = operator_sign_in(identity=identity(email="ana.new@bigtree.test", email_verified=False))

    assert user.email == "ana@bigtree.test"


def test_email_change_to_an_address_in_use_keeps_the_old_one():
    operator_sign_in(identity=identity())
    UserFactory(email="taken@bigtree.test")

    user = operator_sign_in(identity=identity(email="taken@bigtree.test"))

    assert user.email == "ana@bigtree.test"


def test_existing_user_is_linked_by_verified_email():
    existing = UserFactory(email="ana@bigtree.test")

    user = operator_sign_in(identity=identity(email="ANA@bigtree.test"))

    assert user.pk == existing.pk and user.cognito_sub == "sub-ana"
    assert user.has_usable_password()  # linking keeps a local password (if password login is on)


def test_existing_user_is_not_linked_by_an_unverified_email():
    existing = UserFactory(email="ana@bigtree.test")

    with pytest.raises(SignInRefused) as refused:
        operator_sign_in(identity=identity(email_verified=False))

    assert refused.value.code == "email_not_verified"
    existing.refresh_from_db()
    assert existing.cognito_sub is None
    assert User.objects.count() == 1


def test_email_linked_to_another_identity_is_refused():
    UserFactory(email="ana@bigtree.test", cognito_sub="sub-somebody-else")

    with pytest.raises(SignInRefused) as refused:
        operator_sign_in(identity=identity())

    assert refused.value.code == "email_taken"


@pytest.mark.parametrize("groups", [(), ("self-signed-up",), ("Assistances-Admin",)])
def test_no_mapped_group_is_refused_and_creates_nobody(groups):
    with pytest.raises(SignInRefused) as refused:
        operator_sign_in(identity=identity(cognito_groups=groups))

    assert refused.value.code == "no_group"
    assert not User.objects.exists()


def test_groups_are_synced_on_every_sign_in():
    user = operator_sign_in(identity=identity(cognito_groups=(TMO_GROUP,)))
    assert group_names(user) == {TMO_GROUP}

    operator_sign_in(identity=identity(cognito_groups=(ADMIN_GROUP, "unmapped")))
    assert group_names(user) == {ADMIN_GROUP}

    operator_sign_in(identity=identity(cognito_groups=(ADMIN_GROUP, TMO_GROUP)))
    assert group_names(user) == {ADMIN_GROUP, TMO_GROUP}


def test_group_removed_in_cognito_demotes_and_refuses_keeping_other_groups():
    user = operator_sign_in(identity=identity())
    night_shift = Group.objects.create(name="night-shift")
    user.groups.add(night_shift)

    with pytest.raises(SignInRefused):
        operator_sign_in(identity=identity(cognito_groups=()))

    user.refresh_from_db()
    assert not user.is_staff
    assert group_names(user) == {"night-shift"}  # granted by hand in Django, not Cognito's to remove


def test_unlinked_account_with_the_same_email_is_refused_but_not_demoted(operator):
    with pytest.raises(SignInRefused):
        operator_sign_in(identity=identity(email=operator.email, cognito_groups=()))

    operator.refresh_from_db()
    assert operator.is_staff and group_names(operator) == {TMO_GROUP} and operator.cognito_sub is None


def test_inactive_user_is_refused():
    user = operator_sign_in(identity=identity())
    User.objects.filter(pk=user.pk).update(is_active=False)

    with pytest.raises(SignInRefused) as refused:
        operator_sign_in(identity=identity())

    assert refused.value.code == "inactive"


def test_missing_email_is_refused():
    with pytest.raises(SignInRefused):
        operator_sign_in(identity=identity(email=""))


# --- Claims ------------------------------------------------------------------------------------


def test_identity_takes_groups_from_the_id_token_only():
    result = identity_from_claims(
        id_token_claims={"sub": "s", "email": "a@b.test", "email_verified": True},
        userinfo={"sub": "s", "cognito:groups": [ADMIN_GROUP], "given_name": "Ana"},
    )

    assert result.cognito_groups == ()
    assert result.first_name == "Ana"


def test_identity_reads_cognito_userinfo_string_booleans_and_a_single_group():
    result = identity_from_claims(
        id_token_claims={"sub": "s", "cognito:groups": TMO_GROUP},
        userinfo={"sub": "s", "email": "a@b.test", "email_verified": "true"},
    )

    assert result.email_verified is True
    assert result.cognito_groups == (TMO_GROUP,)
    assert (
        identity_from_claims(id_token_claims={"sub": "s"}, userinfo={"email_verified": "false"}).email_verified is False
    )


# --- Token checks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def backend(settings, signing_key):
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "unused"
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://auth.example.test/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://auth.example.test/oauth2/userInfo"
    settings.OIDC_RP_IDP_SIGN_KEY = (
        signing_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return OperatorOIDCBackend()


def id_token(signing_key, **overrides) -> str:
    now = int(time.time())
    claims = {
        "sub": "sub-ana",
        "aud": CLIENT_ID,
        "iss": ISSUER,
        "token_use": "id",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        "email": "ana@bigtree.test",
        "email_verified": True,
        "cognito:groups": [TMO_GROUP],
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, signing_key, algorithm="RS256")


def test_valid_id_token_is_accepted(backend, signing_key):
    payload = backend.verify_token(id_token(signing_key), nonce="n-1")

    assert payload["sub"] == "sub-ana"


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "another-client"},
        {"iss": "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Other"},
        {"token_use": "access"},
        {"nonce": "replayed"},
        {"nonce": None},
    ],
    ids=["audience", "issuer", "access-token", "nonce", "no-nonce"],
)
def test_id_token_for_someone_else_is_rejected(backend, signing_key, overrides):
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(id_token(signing_key, **overrides), nonce="n-1")


def test_tampered_or_foreign_signature_is_rejected(backend, signing_key):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(id_token(other_key), nonce="n-1")

    header, _payload, signature = id_token(signing_key).split(".")
    forged = jwt.utils.base64url_encode(b'{"sub":"sub-admin","aud":"%s"}' % CLIENT_ID.encode()).decode()
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(f"{header}.{forged}.{signature}", nonce="n-1")


def test_expired_id_token_refuses_the_sign_in_without_an_error_page(backend, signing_key, monkeypatch):
    expired = id_token(signing_key, exp=int(time.time()) - 60)
    # The token endpoint is the one external call here; it answers with the expired ID token.
    monkeypatch.setattr(
        OperatorOIDCBackend, "get_token", lambda self, payload: {"id_token": expired, "access_token": "a"}
    )
    request = RequestFactory().get("/oidc/callback/", {"code": "c", "state": "s"})

    assert backend.authenticate(request, nonce="n-1", code_verifier="v" * 64) is None
    assert getattr(request, REFUSAL_ATTRIBUTE)
    assert not User.objects.exists()


class _UserinfoAnswers(OperatorOIDCBackend):
    """The backend with the userinfo HTTP call answered from a dict (the provider's answer)."""

    userinfo: dict = {}

    def get_userinfo(self, access_token, id_token, payload):
        return self.userinfo


def test_groups_in_userinfo_alone_grant_nothing(backend, signing_key):
    stand_in = _UserinfoAnswers()
    stand_in.request = RequestFactory().get("/oidc/callback/")
    stand_in.userinfo = {"sub": "sub-ana", "email": "ana@bigtree.test", "cognito:groups": [ADMIN_GROUP]}
    payload = stand_in.verify_token(id_token(signing_key, **{"cognito:groups": None}), nonce="n-1")

    assert stand_in.get_or_create_user("a", "t", payload) is None
    assert not User.objects.exists()


def test_userinfo_for_another_subject_is_rejected(backend, signing_key):
    stand_in = _UserinfoAnswers()
    stand_in.request = RequestFactory().get("/oidc/callback/")
    stand_in.userinfo = {"sub": "sub-somebody-else", "email": "ana@bigtree.test"}
    payload = stand_in.verify_token(id_token(signing_key), nonce="n-1")

    with pytest.raises(SuspiciousOperation):
        stand_in.get_or_create_user("a", "t", payload)


def test_sign_in_through_the_backend_maps_groups_from_the_id_token(backend, signing_key):
    stand_in = _UserinfoAnswers()
    stand_in.request = RequestFactory().get("/oidc/callback/")
    stand_in.userinfo = {"sub": "sub-ana", "email": "ana@bigtree.test", "email_verified": "true", "given_name": "Ana"}
    payload = stand_in.verify_token(id_token(signing_key, **{"cognito:groups": [ADMIN_GROUP]}), nonce="n-1")

    user = stand_in.get_or_create_user("a", "t", payload)

    assert user.cognito_sub == "sub-ana" and group_names(user) == {ADMIN_GROUP} and user.first_name == "Ana"
