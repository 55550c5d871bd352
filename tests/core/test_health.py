import pytest
from django.db import connection


@pytest.mark.django_db
def test_live_and_ready(client):
    assert client.get("/health/live").json() == {"status": "ok"}
    body = client.get("/health/ready").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_health_answers_any_host_header(client):
    # The load balancer probes the task by its private IP, which is not an allowed host.
    assert client.get("/health/live", HTTP_HOST="10.9.33.7:8000").status_code == 200


@pytest.mark.django_db
def test_health_needs_no_authentication_but_everything_else_does(client):
    assert client.get("/health/ready").status_code == 200
    assert client.get("/v1/masters/countries").status_code == 401


@pytest.fixture
def database_down(django_db_serialized_rollback, transactional_db):
    """Point the connection at a closed port: the real driver fails to connect, as in an outage."""
    connection.close()
    original = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = 1
    yield
    connection.close()
    connection.settings_dict["PORT"] = original


def test_ready_reports_the_failed_dependency(client, database_down):
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["detail"] == "OperationalError"


def test_api_answers_503_problem_when_database_is_down(api_client, database_down):
    from tests.accounts.factories import UserFactory

    user = UserFactory.build(pk=1, is_superuser=True)
    api_client.force_authenticate(user)
    response = api_client.get("/v1/masters/categories")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
