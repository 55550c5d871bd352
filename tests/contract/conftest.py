"""The partner-token fixtures of tests/clients (a JWKS server on loopback, real API keys)."""

from tests.clients import conftest as client_fixtures

signing_keys = client_fixtures.signing_keys
jwks_server = client_fixtures.jwks_server
issuer = client_fixtures.issuer
token_for = client_fixtures.token_for
