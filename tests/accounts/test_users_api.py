"""GET /v1/users against moto's Cognito (its server on loopback): pagination, filters, access, outages."""

import socket
from contextlib import closing

import pytest
from rest_framework.test import APIClient

from apps.accounts import selectors
from apps.accounts.api.views import decode_cursor, encode_cursor
from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from tests.clients import conftest as client_fixtures
from tests.clients.support import READ, WRITE
from tests.helpers import assert_problem, count_queries

pytestmark = pytest.mark.django_db

URL = "/v1/users"
REGION = "us-east-2"  # the fake credentials' region (tests/aws/server.py)
USERS = 65  # more than one Cognito page (60)
ADMINS = {f"user{n:03d}" for n in (0, 1, 2)}
TMOS = {f"user{n:03d}" for n in range(3, 10)} | {"user002"}  # user002 is in both groups

# The partner-token fixtures of tests/clients (a JWKS server on loopback, API clients with real keys).
signing_keys = client_fixtures.signing_keys
jwks_server = client_fixtures.jwks_server
issuer = client_fixtures.issuer
kom = client_fixtures.kom
token_for = client_fixtures.token_for
partner_api = client_fixtures.partner_api


def _email(n: int) -> str:
    # Three domains, so that e-mail prefixes select a known share of the pool.
    domain = ("bigtree.test", "partner.test", "other.test")[n % 3]
    return f"user{n:03d}@{domain}"


@pytest.fixture
def pool(aws, settings, monkeypatch):
    """A user pool in moto with USERS users, the two operator groups and their members."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    idp = aws.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="bigtree-operators")["UserPool"]["Id"]
    for group in (ADMIN_GROUP, TMO_GROUP):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    for n in range(USERS):
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=f"user{n:03d}",
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": _email(n)},
                {"Name": "email_verified", "Value": "true" if n % 2 == 0 else "false"},
            ],
        )
    for name in ADMINS:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=ADMIN_GROUP)
    for name in TMOS:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=TMO_GROUP)
    idp.admin_disable_user(UserPoolId=pool_id, Username="user064")
    settings.COGNITO_USER_POOL_ID = pool_id
    settings.AWS_REGION = REGION
    return {"idp": idp, "id": pool_id}


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    client = APIClient()
    client.force_login(admin_user)
    return client


def _all_pages(api: APIClient, url: str) -> tuple[list[dict], int]:
    """Follow `next` to the end; returns the users and the number of pages."""
    users, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["previous"] is None
        users += body["results"]
        pages += 1
        url = body["next"]
        assert pages <= 20, "pagination does not end"
    return users, pages


def test_an_administrator_pages_through_every_user_of_the_pool(admin_api, pool):
    users, pages = _all_pages(admin_api, f"{URL}?page_size=60")
    assert pages == 2
    names = [user["username"] for user in users]
    assert len(names) == len(set(names)) == USERS

    by_name = {user["username"]: user for user in users}
    assert by_name["user002"]["groups"] == [ADMIN_GROUP, TMO_GROUP]
    assert by_name["user000"]["groups"] == [ADMIN_GROUP]
    assert by_name["user005"]["groups"] == [TMO_GROUP]
    assert by_name["user030"]["groups"] == []
    first = by_name["user000"]
    assert first["email"] == "user000@bigtree.test"
    assert first["email_verified"] is True
    assert by_name["user001"]["email_verified"] is False
    assert first["enabled"] is True
    assert by_name["user064"]["enabled"] is False
    assert first["status"] == "FORCE_CHANGE_PASSWORD"
    assert first["sub"] and first["created"] and first["modified"]


def test_the_default_page_size_is_50(admin_api, pool):
    body = admin_api.get(URL).json()
    assert len(body["results"]) == 50
    assert body["next"].startswith("http://testserver/v1/users?cursor=")


def test_the_group_filter_lists_only_that_groups_members_across_pages(admin_api, pool):
    users, pages = _all_pages(admin_api, f"{URL}?group={TMO_GROUP}&page_size=3")
    assert {user["username"] for user in users} == TMOS
    assert len(users) == len(TMOS)
    assert pages == 3
    assert all(TMO_GROUP in user["groups"] for user in users)


def test_the_email_prefix_uses_cognitos_filter(admin_api, pool):
    users, _pages = _all_pages(admin_api, f"{URL}?email=user01")
    assert {user["username"] for user in users} == {f"user{n:03d}" for n in range(10, 20)}


def test_group_and_email_prefix_together(admin_api, pool):
    # TMO members: user002..user009; of those, user00[0-9] all start with "user00"; narrow to one.
    users, _pages = _all_pages(admin_api, f"{URL}?group={TMO_GROUP}&email=USER007&page_size=2")
    assert [user["username"] for user in users] == ["user007"]


def test_a_quote_or_backslash_in_the_prefix_is_neither_an_error_nor_a_wider_match(admin_api, pool):
    # The escaping itself is checked by test_email_filter_escapes_quotes_and_backslashes; moto takes the
    # value between the outer quotes literally, so here Cognito (moto) must simply answer, with nobody.
    response = admin_api.get(URL, {"email": 'nobody" or username ^= "user'})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
    response = admin_api.get(URL, {"email": "nobody\\"})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_email_filter_escapes_quotes_and_backslashes():
    assert selectors.email_filter("ana") == 'email ^= "ana"'
    assert selectors.email_filter('a"b\\c') == 'email ^= "a\\"b\\\\c"'


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": "61"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"group": "admins"}, "group"),
        ({"email": "a\x01b"}, "email"),
        ({"email": "a" * 201}, "email"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"page": "2"}, "page"),
        ({"search": "x"}, "search"),
    ],
)
def test_bad_query_parameters_are_refused_before_cognito_is_asked(admin_api, settings, query, field):
    settings.COGNITO_USER_POOL_ID = ""  # any call to Cognito would answer 503, not 400
    body = assert_problem(admin_api.get(URL, query), 400, "validation_error")
    assert field in body["errors"]


def test_a_cursor_only_continues_the_listing_it_came_from(admin_api, pool):
    next_url = admin_api.get(URL, {"group": TMO_GROUP, "page_size": 2}).json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    body = assert_problem(admin_api.get(URL, {"group": ADMIN_GROUP, "page_size": 2, "cursor": cursor}), 400)
    assert "cursor" in body["errors"]
    assert admin_api.get(URL, {"group": TMO_GROUP, "page_size": 2, "cursor": cursor}).status_code == 200


def test_a_token_cognito_refuses_is_an_invalid_cursor(admin_api, pool):
    cursor = encode_cursor(token="not-a-cognito-token", group=None, email=None)
    body = assert_problem(admin_api.get(URL, {"cursor": cursor}), 400, "validation_error")
    assert "cursor" in body["errors"]


def test_cursor_round_trip():
    cursor = encode_cursor(token="abc==/+", group=TMO_GROUP, email="ana")
    assert decode_cursor(cursor, group=TMO_GROUP, email="ana") == "abc==/+"


def test_tmo_operators_are_refused(operator_client, pool):
    assert_problem(operator_client.get(URL), 403, "administrators_only")


def test_anonymous_callers_are_asked_to_authenticate(pool):
    response = APIClient().get(URL)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_partner_api_clients_are_refused_even_with_every_scope(partner_api, kom, pool):
    api = partner_api(kom, scopes=(READ, WRITE))
    assert_problem(api.get(URL), 403, "operators_only")


def test_superusers_may_list(pool, django_user_model):
    root = django_user_model.objects.create_superuser("root@example.test", "a-long-test-password")
    api = APIClient()
    api.force_login(root)
    assert api.get(URL, {"page_size": 1}).status_code == 200


def _closed_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: nobody listens there


def test_cognito_unreachable_is_a_503_problem(admin_api, pool, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    response = admin_api.get(URL)
    body = assert_problem(response, 503, "service_unavailable")
    assert response["Retry-After"] == "10"
    assert "127.0.0.1" not in body["detail"]


def test_an_unknown_pool_is_a_503_problem(admin_api, pool, settings):
    settings.COGNITO_USER_POOL_ID = "us-east-2_doesnotexist"
    assert_problem(admin_api.get(URL), 503, "service_unavailable")


def test_no_pool_configured_is_a_503_problem(admin_api, settings):
    settings.COGNITO_USER_POOL_ID = ""
    assert_problem(admin_api.get(URL), 503, "service_unavailable")


def test_a_group_missing_from_the_pool_has_no_members(admin_api, pool):
    pool["idp"].delete_group(UserPoolId=pool["id"], GroupName=TMO_GROUP)
    assert admin_api.get(URL, {"group": TMO_GROUP}).json()["results"] == []
    by_name = {user["username"]: user for user in admin_api.get(URL, {"email": "user002"}).json()["results"]}
    assert by_name["user002"]["groups"] == [ADMIN_GROUP]


def test_database_queries_do_not_grow_with_the_page(admin_api, pool):
    # The users come from Cognito; the database is only asked who the caller is.
    small = count_queries(admin_api, f"{URL}?page_size=2")
    large = count_queries(admin_api, f"{URL}?page_size=60")
    assert small == large <= 4
