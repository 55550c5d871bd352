"""A new case's reserve from the table, the missing ones opened by command, and the large-loss alert:
stamped once, published on SNS, told to MOK as a shared note, shown as a badge."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils.translation import gettext as _

from apps.claims import services
from apps.claims.models import Reserve
from apps.masters.models import Source
from apps.tracking.models import TrackingAction, TrackingMessage
from tests.assistances.factories import covered_case

pytestmark = pytest.mark.django_db


def test_opening_a_case_sets_its_reserve_from_the_table(operator):
    event = covered_case(actor=operator)  # MED_EMERGENCY: USD 1,500 in the table; USD voucher
    reserve = Reserve.objects.get(event=event)
    assert (reserve.amount, reserve.currency, reserve.large_loss_at) == (Decimal("1500.00"), "USD", None)
    assert [c.reason for c in reserve.changes.all()] == [_("Initial estimate for the assistance.")]


def test_cases_without_a_reserve_get_one_from_the_command(operator):
    event = covered_case(actor=operator)
    Reserve.objects.filter(event=event).delete()
    out = StringIO()
    call_command("open_missing_reserves", stdout=out)
    assert Reserve.objects.get(event=event).amount == Decimal("1500.00")
    assert "1 cases without a reserve" in out.getvalue() and "1 reserves opened" in out.getvalue()


@pytest.fixture
def sns_observer(aws, settings):
    settings.AWS_ENDPOINT_URL = aws.endpoint
    sns, sqs = aws.client("sns"), aws.client("sqs")
    settings.SNS_NOTIFICATION_TOPIC_ARN = topic = sns.create_topic(Name="partners")["TopicArn"]
    settings.MOK_TRACKING_URL = ""  # tracking messages wait: only their recording is asserted
    url = sqs.create_queue(QueueName="observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    def published() -> list[dict]:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in found]

    return published


def test_large_loss_is_stamped_once_published_and_told_to_mok(sns_observer, operator):
    Source.objects.filter(code="MOK").update(large_loss_amount=Decimal("2000.00"), default_currency="USD")
    event = covered_case(source="MOK", actor=operator)
    services.reserve_set(event=event, amount=Decimal("1999.99"), reason="Tests", actor=operator)
    assert Reserve.objects.get(event=event).large_loss_at is None
    services.reserve_set(event=event, amount=Decimal("2500"), reason="Surgery", actor=operator)
    stamped = Reserve.objects.get(event=event).large_loss_at
    assert stamped is not None
    services.reserve_set(event=event, amount=Decimal("3000"), reason="ICU", actor=operator)
    assert Reserve.objects.get(event=event).large_loss_at == stamped  # once
    [notice] = sns_observer()
    assert notice["event"] == "large_loss" and notice["event_code"] == event.code
    assert (notice["incurred"], notice["currency"], notice["threshold"]) == ("2500.00", "USD", "2000.00")
    [message] = TrackingMessage.objects.filter(event=event, action=TrackingAction.NOTE_REGISTER)
    assert message.payload["kind"] == "billing" and _("Large loss") in message.payload["body"]


def test_no_threshold_no_alert_and_without_a_topic_nothing_is_published(settings, operator):
    settings.SNS_NOTIFICATION_TOPIC_ARN = ""
    event = covered_case(actor=operator)  # KOM: no threshold in the catalog
    Source.objects.filter(code="KOM").update(large_loss_amount=None)
    services.reserve_set(event=event, amount=Decimal("900000"), reason="Huge", actor=operator)
    assert Reserve.objects.get(event=event).large_loss_at is None
    Source.objects.filter(code="KOM").update(large_loss_amount=Decimal("1000"))
    services.reserve_set(event=event, amount=Decimal("900001"), reason="Huger", actor=operator)
    assert Reserve.objects.get(event=event).large_loss_at is not None


def test_the_badge_on_the_queue_and_the_case_header(client, operator):
    Source.objects.filter(code="KOM").update(large_loss_amount=Decimal("1000"))
    client.force_login(operator)
    big, small = covered_case(actor=operator), covered_case(actor=operator)
    services.reserve_set(event=big, amount=Decimal("5000"), reason="Big", actor=operator)
    queue = client.get("/admin/assistances/event/queue/", HTTP_HX_REQUEST="true").content.decode()
    row = queue.split(f'data-case-id="{big.pk}"')[1].split("</tr>")[0]
    assert _("Large loss") in row
    other = queue.split(f'data-case-id="{small.pk}"')[1].split("</tr>")[0]
    assert _("Large loss") not in other
    page = client.get(f"/admin/assistances/event/{big.pk}/change/").content.decode()
    assert f'<span class="case-badge">{_("Large loss")}</span>' in page
