"""manage.py register_partner_clients: terraform's partner app clients become API clients, once."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from apps.clients.models import ApiClient, ApiKey

pytestmark = pytest.mark.django_db

# What `terraform output -json stack` holds under partner_clients (modules/cognito/outputs.tf).
OUTPUT = {
    "partner_clients": {
        "KOM": {
            "client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
            "name": "Kom-client",
            "scopes": [
                "assistences-services/read",
                "assistences-services/write",
                "kom-services/read",
                "kom-services/write",
            ],
        },
        "MOK": {
            "client_id": "7q1mok0000client0id00000ab",
            "name": "Mok-client",
            "scopes": ["assistences-services/read", "assistences-services/write"],
        },
    }
}


def _run(document, monkeypatch) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(document)))
    out = io.StringIO()
    call_command("register_partner_clients", "-", stdout=out)
    return out.getvalue()


def test_each_partner_client_is_registered_with_its_scopes_and_a_key(monkeypatch):
    printed = _run(OUTPUT, monkeypatch)
    mok = ApiClient.objects.get(cognito_client_id="7q1mok0000client0id00000ab")
    assert (mok.source_code, mok.allowed_scopes) == ("MOK", ["assistences-services/read", "assistences-services/write"])
    assert ApiClient.objects.get(source_code="KOM").allowed_scopes == OUTPUT["partner_clients"]["KOM"]["scopes"]
    assert ApiKey.objects.count() == 2
    assert printed.count("API key for") == 2


def test_a_second_run_changes_nothing(monkeypatch):
    _run(OUTPUT, monkeypatch)
    ApiClient.objects.filter(source_code="MOK").update(burst=5)  # an admin's change survives
    printed = _run(OUTPUT, monkeypatch)
    assert "0 registered, 2 already there." in printed and "API key for" not in printed
    assert ApiClient.objects.get(source_code="MOK").burst == 5 and ApiKey.objects.count() == 2


def test_the_terraform_output_of_the_value_alone_is_accepted(monkeypatch):
    wrapped = {"sensitive": False, "type": ["object", []], "value": OUTPUT["partner_clients"]}
    _run(wrapped, monkeypatch)
    assert ApiClient.objects.count() == 2


@pytest.mark.parametrize(
    "document",
    [{}, {"XYZ": {"client_id": "a", "scopes": []}}, {"KOM": {"scopes": []}}, [1, 2]],
)
def test_malformed_input_is_refused_and_registers_nothing(document, monkeypatch):
    with pytest.raises(CommandError):
        _run(document, monkeypatch)
    assert not ApiClient.objects.exists()
