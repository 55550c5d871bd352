"""Celery configuration rules: the visibility-timeout check, queues, routes and the beat schedule."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apps.core.celery import timing_problems
from config.celery_app import app


def test_test_and_production_timings_pass(settings):
    assert timing_problems() == []


@pytest.mark.parametrize(
    "setting, value",
    [
        ("CELERY_TASK_TIME_LIMIT", 4),
        ("CELERY_TASK_SOFT_TIME_LIMIT", 10),
        ("TRACKING_RETRY_MAX_SECONDS", 4),
        ("MOK_TRACKING_TIMEOUT_SECONDS", 2),  # its delivery lease is three times this
        ("AUDIT_BATCH_TIME_LIMIT", 1.5),  # a batch may first wait CELERY_TASK_TIME_LIMIT for a process
    ],
)
def test_a_limit_reaching_the_visibility_timeout_fails_the_checks(settings, setting, value):
    setattr(settings, setting, value)
    assert any(setting.split("_")[0] in p or "lease" in p for p in timing_problems())
    with pytest.raises(SystemCheckError, match=r"core\.E101"):
        call_command("check")


def test_task_level_retry_delay_is_checked(settings):
    task = app.tasks["audit.write_entry"]
    original = task.default_retry_delay
    task.default_retry_delay = 600
    try:
        assert any("audit.write_entry.default_retry_delay" in p for p in timing_problems())
    finally:
        task.default_retry_delay = original


def test_worker_refuses_to_start_with_bad_timing(settings):
    from django.core.exceptions import ImproperlyConfigured

    from config.celery_app import refuse_timing_beyond_visibility

    settings.CELERY_TASK_TIME_LIMIT = 900
    with pytest.raises(ImproperlyConfigured, match="visibility"):
        refuse_timing_beyond_visibility()


def test_routes_send_each_task_to_its_queue(settings):
    router = app.amqp.router
    assert router.route({}, "audit.write_entry")["queue"].name == settings.CELERY_AUDIT_QUEUE
    assert router.route({}, "tracking.deliver")["queue"].name == settings.CELERY_TRACKING_QUEUE
    assert router.route({}, "audit.sweep_outbox")["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


def test_every_beat_entry_names_a_registered_task(settings):
    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names == {
        "assistances.revert_due_switches",
        "assistances.flag_sla_breaches",
        "assistances.expire_drafts",
        "audit.sweep_outbox",
        "tracking.dispatch_due",
        "masters.fetch_exchange_rates",
        "guarantees.remind_unanswered",
        "guarantees.expire",
        "claims.generate_bordereaux",
        "assistances.expire_offers",
        "assistances.flag_eta_breaches",
        "assistances.refresh_provider_reliability",
    }
    assert names <= set(app.tasks)


def test_delivery_guarantees_are_configured():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_acks_on_failure_or_timeout is False  # failures go to the dead-letter queue
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_consumer == "apps.core.celery:Consumer"


def test_an_sqs_broker_uses_the_project_transport():
    from config.settings.base import broker_transport

    assert broker_transport("sqs://") == "apps.core.sqs:Transport"
    assert broker_transport("sqs://testing:testing@127.0.0.1:4566") == "apps.core.sqs:Transport"
    assert broker_transport("memory://localhost/") is None  # local runs: tasks eager, no SQS


def test_the_audit_queue_is_left_to_the_batch_consumer(settings):
    assert settings.AUDIT_BATCH_CONSUMER is True
    assert settings.CELERY_AUDIT_QUEUE not in settings.CELERY_WORKER_TASK_QUEUES
    assert {*settings.CELERY_WORKER_TASK_QUEUES, settings.CELERY_AUDIT_QUEUE} == set(settings.CELERY_WORKER_QUEUES)
    assert "apps.audit.consumer:AuditBatchConsumer" in app.steps["consumer"]
    assert settings.AUDIT_BATCH_SIZE <= 10 <= settings.AUDIT_BATCH_PREFETCH  # SQS returns at most 10
