"""The bordereau: a worked month asserted to the cent, stable re-runs, the partner's download, the
periodic scan, and a property test that its totals equal the ledger whatever the cases, bills,
payments and rates."""

import csv
import datetime
import hashlib
import io
import itertools
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.assistances.models import Event
from apps.claims import bordereau as report
from apps.claims import bordereau_tasks, services
from apps.claims.bills import BILL_MACHINE
from apps.claims.models import Bill, Bordereau, BordereauFile, Payment, Reserve, ReserveChange
from apps.core.exceptions import ConflictError
from apps.core.money import minor_units, quantize
from apps.masters.models import ExchangeRate, StatusRole
from tests.assistances.factories import covered_case
from tests.guarantees.helpers import api_as_partner
from tests.helpers import assert_problem
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    """An instant of 2026 in the operators' time zone (the bordereau's months are theirs)."""
    return timezone.make_aware(datetime.datetime(2026, month, day, hour))


def make_bill(event, *, currency, billed, allowed, received, role=StatusRole.APPROVED, number=None) -> Bill:
    from apps.assistances import services as cases

    provider = ProviderFactory(assistances=[event.assistance], country=event.country)
    assignment = cases.event_provider_assign(event=event, provider=provider, currency=currency)
    return Bill.objects.create(
        event=event,
        assignment=assignment,
        provider=provider,
        invoice_number=number or f"F-{event.pk}-{Bill.objects.count() + 1}",
        invoice_date=received.date(),
        currency=currency,
        billed_total=billed,
        allowed_total=allowed,
        savings=None if allowed is None else billed - allowed,
        status=BILL_MACHINE.with_role(role),
        received_via="console",
        received_at=received,
        reviewed_at=None if allowed is None else received + datetime.timedelta(hours=3),
    )


def opened(event, when, closed=None) -> Event:
    """The case as if opened ``when``: the reserve set at its real opening goes, the test sets its own."""
    Event.objects.filter(pk=event.pk).update(opened_at=when, closed_at=closed)
    Reserve.objects.filter(event=event).delete()
    event.refresh_from_db()
    return event


def pay(bill, day: datetime.datetime, amount: str, currency: str, reference: str) -> Payment:
    return services.payment_record(
        bill=bill, paid_on=day.date(), amount=Decimal(amount), currency=currency, reference=reference, now=day
    )


@pytest.fixture
def march():
    """KOM's March 2026: case A in Mexico (a bill of MXN 50,000 partially approved at 40,000, paid in two
    MXN payments at two rates, its reserve raised), case B in Spain billed, paid and closed in the month,
    case C closed in February with nothing left (not listed), and a MOK case (another source)."""
    ExchangeRate.objects.create(date=at(3, 1).date(), from_currency="USD", to_currency="MXN", rate=20, source="T")
    ExchangeRate.objects.create(
        date=at(3, 15).date(), from_currency="USD", to_currency="MXN", rate=Decimal("18.5"), source="T"
    )
    a = opened(covered_case(country=country("MX"), external_reference="KOM-7781"), at(2, 20))
    services.reserve_open(event=a, now=at(2, 20))  # MED_EMERGENCY: USD 1,500
    bill_a = make_bill(
        a, currency="MXN", billed=Decimal("50000"), allowed=Decimal("40000"), received=at(3, 5), role=StatusRole.PARTIAL
    )
    pay(bill_a, at(3, 10), "20000", "MXN", "T-1")  # USD 1,000.00 at 20
    services.reserve_set(event=a, amount=Decimal("3000"), reason="Surgery", now=at(3, 12))
    pay(bill_a, at(3, 20), "10000", "MXN", "T-2")  # USD 540.54 at 18.5

    b = opened(covered_case(country=country("ES"), external_reference="KOM-7790"), at(3, 2), closed=at(3, 6))
    services.reserve_open(event=b, now=at(3, 2))
    bill_b = make_bill(b, currency="USD", billed=Decimal("800"), allowed=Decimal("800"), received=at(3, 3))
    pay(bill_b, at(3, 4), "800", "USD", "T-3")
    services.reserve_set(event=b, amount=Decimal("800"), reason="Case closed", now=at(3, 5))

    c = opened(covered_case(country=country("ES")), at(1, 10), closed=at(2, 7))
    services.reserve_open(event=c, now=at(1, 10))
    bill_c = make_bill(c, currency="USD", billed=Decimal("300"), allowed=Decimal("300"), received=at(2, 1))
    pay(bill_c, at(2, 5), "300", "USD", "T-4")
    services.reserve_set(event=c, amount=Decimal("300"), reason="Closed", now=at(2, 6))

    services.reserve_open(event=opened(covered_case(source="MOK"), at(3, 3)), now=at(3, 3))
    return {"a": a, "b": b, "c": c, "bill_a": bill_a}


def file_bytes(bordereau: Bordereau, file_format: str) -> bytes:
    stored = BordereauFile.objects.get(bordereau=bordereau, format=file_format)
    with stored.file.open("rb") as handle:
        return handle.read()


def test_worked_example_to_the_cent(march):
    bordereau = report.bordereau_generate(source_code="KOM", month=MARCH)
    rows = list(csv.DictReader(io.StringIO(file_bytes(bordereau, "csv").decode("utf-8"))))
    assert [row["case_code"] for row in rows] == [march["a"].code, march["b"].code]
    assert rows[0] == {
        "case_code": march["a"].code,
        "partner_reference": "KOM-7781",
        "country": "MX",
        "assistance": "MED_EMERGENCY",
        "opened_on": "2026-02-20",
        "first_reserve_on": "2026-02-20",
        "closed_on": "",
        "original_currency": "MXN",
        "settlement_currency": "USD",
        "billed": "50000.00",
        "allowed": "40000.00",
        "savings": "10000.00",
        "paid_this_period": "1540.54",
        "paid_to_date": "1540.54",
        "outstanding_reserve": "1459.46",
        "total_incurred": "3000.00",
    }
    assert rows[1] == {
        **rows[1],
        "opened_on": "2026-03-02",
        "closed_on": "2026-03-06",
        "original_currency": "USD",
        "billed": "800.00",
        "allowed": "800.00",
        "savings": "0.00",
        "paid_this_period": "800.00",
        "paid_to_date": "800.00",
        "outstanding_reserve": "0.00",
        "total_incurred": "800.00",
    }
    assert (bordereau.rows, bordereau.currency) == (2, "USD")
    assert bordereau.totals == {
        "rows": 2,
        "settlement": {
            "USD": {
                "paid_this_period": "2340.54",
                "paid_to_date": "2340.54",
                "outstanding_reserve": "1459.46",
                "total_incurred": "3800.00",
            }
        },
        "original": {
            "MXN": {"billed": "50000.00", "allowed": "40000.00", "savings": "10000.00"},
            "USD": {"billed": "800.00", "allowed": "800.00", "savings": "0.00"},
        },
    }
    raw = file_bytes(bordereau, "csv")
    assert b"\r" not in raw and raw.startswith(b"case_code,partner_reference,")
    assert file_bytes(bordereau, "xlsx").startswith(b"PK\x03\x04")


def test_rerun_is_byte_identical_and_later_activity_leaves_the_month_alone(march):
    first = report.bordereau_generate(source_code="KOM", month=MARCH)
    digests = {f.format: (f.sha256, hashlib.sha256(file_bytes(first, f.format)).hexdigest()) for f in first.files.all()}
    assert all(stored == actual for stored, actual in digests.values())
    # April: another payment, the reserve raised, the case closed; February's case reopened by a bill.
    services.reserve_set(event=march["a"], amount=Decimal("5000"), reason="Complication", now=at(4, 2))
    pay(march["bill_a"], at(4, 3), "5000", "MXN", "T-5")
    Event.objects.filter(pk=march["a"].pk).update(closed_at=at(4, 4))
    make_bill(march["c"], currency="EUR", billed=Decimal("90"), allowed=None, received=at(4, 5))

    again = report.bordereau_generate(source_code="KOM", month=MARCH)
    assert again.pk == first.pk
    assert {f.format: f.sha256 for f in again.files.all()} == {k: v[0] for k, v in digests.items()}
    assert BordereauFile.objects.filter(bordereau=again).count() == 2
    # April itself sees it all.
    april = report.bordereau_generate(source_code="KOM", month=datetime.date(2026, 4, 1))
    assert april.totals["settlement"]["USD"]["paid_this_period"] == "270.27"  # MXN 5,000 at 18.5
    # February's case now has bills in USD and EUR: MULTIPLE, its bill amounts left out of the totals.
    rows = {row["case_code"]: row for row in csv.DictReader(io.StringIO(file_bytes(april, "csv").decode()))}
    assert {k: rows[march["c"].code][k] for k in ("original_currency", "billed", "allowed", "savings")} == {
        "original_currency": "MULTIPLE",
        "billed": "",
        "allowed": "",
        "savings": "",
    }
    assert set(april.totals["original"]) == {"MXN"}


def test_regenerating_after_a_late_entry_replaces_the_files(march):
    first = report.bordereau_generate(source_code="KOM", month=MARCH)
    old = {f.format: (f.pk, f.file.name) for f in first.files.all()}
    # A payment dated in March but recorded later: March's files change, the old ones go.
    pay(march["bill_a"], at(3, 31), "1850", "MXN", "T-late")  # USD 100.00
    again = report.bordereau_generate(source_code="KOM", month=MARCH)
    assert again.totals["settlement"]["USD"]["paid_this_period"] == "2440.54"
    files = {f.format: f for f in again.files.all()}
    assert set(files) == {"csv", "xlsx"}
    for file_format, (pk, name) in old.items():
        assert files[file_format].pk != pk
        assert not files[file_format].file.storage.exists(name)


def test_partner_downloads_its_own_source_only(march):
    bordereau = report.bordereau_generate(source_code="KOM", month=MARCH)
    mok = report.bordereau_generate(source_code="MOK", month=MARCH)
    kom_api = api_as_partner("KOM")
    listed = kom_api.get("/v1/assistances/bordereaux").json()
    assert [row["id"] for row in listed["results"]] == [bordereau.pk]
    assert listed["results"][0]["totals"]["settlement"]["USD"]["total_incurred"] == "3800.00"
    assert kom_api.get("/v1/assistances/bordereaux?month=2026-03").json()["count"] == 1
    assert kom_api.get("/v1/assistances/bordereaux?month=2026-04").json()["count"] == 0
    assert_problem(kom_api.get("/v1/assistances/bordereaux?month=2026-3"), 400)
    assert_problem(kom_api.get("/v1/assistances/bordereaux?year=2026"), 400)
    answer = kom_api.get(f"/v1/assistances/bordereaux/{bordereau.pk}/files/csv")
    assert answer.status_code == 200
    assert answer.json()["url"].startswith("http")
    assert kom_api.get(f"/v1/assistances/bordereaux/{bordereau.pk}/files/xlsx").status_code == 200
    assert_problem(kom_api.get(f"/v1/assistances/bordereaux/{bordereau.pk}/files/pdf"), 404)
    mok_api = api_as_partner("MOK")
    assert_problem(mok_api.get(f"/v1/assistances/bordereaux/{bordereau.pk}"), 404)
    assert_problem(mok_api.get(f"/v1/assistances/bordereaux/{bordereau.pk}/files/csv"), 404)
    assert [row["id"] for row in mok_api.get("/v1/assistances/bordereaux").json()["results"]] == [mok.pk]


def test_list_queries_do_not_grow_with_rows(march, django_assert_max_num_queries):
    for month in (1, 2, 3):
        report.bordereau_generate(source_code="KOM", month=datetime.date(2026, month, 1))
    api = api_as_partner("KOM")
    api.get("/v1/assistances/bordereaux")  # the partner's first call sets up its usage counters
    with django_assert_max_num_queries(8) as captured:
        assert api.get("/v1/assistances/bordereaux").json()["count"] == 3
    few = len(captured)
    report.bordereau_generate(source_code="KOM", month=datetime.date(2026, 4, 1))
    with django_assert_max_num_queries(few):
        api.get("/v1/assistances/bordereaux")


def test_scan_generates_last_month_once_and_the_command_any(march, monkeypatch, capsys):
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 4, 1))
    due = report.bordereaux_due()
    assert ("KOM", MARCH) in due and ("MOK", MARCH) in due
    assert bordereau_tasks.generate_bordereaux() == len(due)  # eager in tests: generated at once
    assert Bordereau.objects.filter(month=MARCH, generated_at__isnull=False).count() == len(due)
    assert report.bordereaux_due() == []
    call_command("generate_bordereau", "--source", "kom", "--month", "2026-02", "--no-progress")
    assert "Bordereau KOM 2026-02" in capsys.readouterr().out


def test_partner_notified_when_ready(march, aws, settings):
    settings.AWS_ENDPOINT_URL = aws.endpoint
    sns, sqs = aws.client("sns"), aws.client("sqs")
    settings.SNS_NOTIFICATION_TOPIC_ARN = sns.create_topic(Name="bordereaux")["TopicArn"]
    url = sqs.create_queue(QueueName="observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=settings.SNS_NOTIFICATION_TOPIC_ARN, Protocol="sqs", Endpoint=arn)
    bordereau = report.bordereau_generate(source_code="KOM", month=MARCH)
    bordereau.refresh_from_db()
    assert bordereau.notified_at is not None
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(json.loads(message["Body"])["Message"])
    assert body["source_code"] == "KOM" and body["month"] == "2026-03" and body["formats"] == ["csv", "xlsx"]
    assert report.bordereaux_unnotified() == []


def test_admin_generates_on_demand(march, admin_browser):
    answer = admin_browser.post("/admin/claims/bordereau/generate/", {"source_code": "KOM", "month": "2026-03"})
    assert answer.status_code == 302
    bordereau = Bordereau.objects.get(source_code="KOM", month=MARCH)
    assert admin_browser.get(answer["Location"]).status_code == 200
    assert admin_browser.get("/admin/claims/bordereau/").status_code == 200
    assert bordereau.rows == 2


# --- Property: the totals are the ledger's, to the cent ---------------------------------------------------

CURRENCIES = ["USD", "EUR", "MXN", "CLP", "KWD"]
DAYS = [at(2, 10), at(2, 27), at(3, 1, 0), at(3, 9), at(3, 31, 23), at(4, 1, 0), at(4, 8)]


def _amount(draw, currency: str, top: int) -> Decimal:
    places = minor_units(currency)
    return Decimal(draw(st.integers(1, top * 10**places))).scaleb(-places)


def _ledger(source: str, period: report.Period) -> dict[str, Decimal]:
    """What the bordereau must add up to, from the rows themselves, one case at a time."""
    sums = dict.fromkeys(report.SETTLEMENT_AMOUNTS, Decimal(0))
    for event in Event.objects.filter(source_code=source):
        payments = Payment.objects.filter(event=event)
        to_date = sum((p.settlement_amount for p in payments if p.paid_on < period.end), Decimal(0))
        in_period = [p for p in payments if period.start <= p.paid_on < period.end]
        changes = ReserveChange.objects.filter(reserve__event=event, changed_at__lt=period.ends_at)
        last = changes.order_by("changed_at", "id").last()
        outstanding = max((last.amount_after if last else Decimal(0)) - to_date, Decimal(0))
        active = (
            in_period
            or changes.filter(changed_at__gte=period.starts_at).exists()
            or Bill.objects.filter(event=event, received_at__gte=period.starts_at, received_at__lt=period.ends_at)
        )
        if active or outstanding > 0:
            sums["paid_this_period"] += sum((p.settlement_amount for p in in_period), Decimal(0))
            sums["paid_to_date"] += to_date
            sums["outstanding_reserve"] += outstanding
            sums["total_incurred"] += to_date + outstanding
    return {name: quantize(value, "USD") for name, value in sums.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_totals_equal_the_ledger(data):
    with transaction.atomic():
        # One savepoint per example, rolled back: the next example starts from the same database.
        for low, high in itertools.combinations(CURRENCIES, 2):  # a random rate table, one row per pair
            rate = Decimal(data.draw(st.integers(1, 10**8))).scaleb(-4)
            ExchangeRate.objects.create(
                date=at(1, 1).date(), from_currency=low, to_currency=high, rate=rate, source="T"
            )
        for _case in range(data.draw(st.integers(1, 3))):
            event = opened(covered_case(country=country("ES")), at(2, 1))
            services.reserve_open(event=event, now=data.draw(st.sampled_from(DAYS[:4])))
            bills = []
            for _bill in range(data.draw(st.integers(0, 2))):
                currency = data.draw(st.sampled_from(CURRENCIES))
                billed = _amount(data.draw, currency, 5000)
                allowed = min(billed, _amount(data.draw, currency, 5000))
                received = data.draw(st.sampled_from(DAYS))
                bills.append(make_bill(event, currency=currency, billed=billed, allowed=allowed, received=received))
            for _step in range(data.draw(st.integers(0, 4))):
                day = data.draw(st.sampled_from(DAYS))
                if bills and data.draw(st.booleans()):
                    currency = data.draw(st.sampled_from(CURRENCIES))
                    try:
                        with transaction.atomic():
                            pay(data.draw(st.sampled_from(bills)), day, str(_amount(data.draw, currency, 3000)),
                                currency, "P")  # fmt: skip
                    except ConflictError:
                        pass  # above what is left of the approved total: refused, as it should be
                else:
                    paid = services.reserve_figures(event=event).paid
                    extra = _amount(data.draw, "USD", 4000)
                    services.reserve_set(event=event, amount=paid + extra, reason="Review", now=day)
        bordereau = report.bordereau_generate(source_code="KOM", month=MARCH)
        period = report.Period.of(MARCH)
        expected = _ledger("KOM", period)
        got = bordereau.totals["settlement"].get("USD", dict.fromkeys(report.SETTLEMENT_AMOUNTS, "0.00"))
        assert {name: Decimal(value) for name, value in got.items()} == expected
        # Every payment of the month is in the report: the period's total is the ledger's, whole.
        ledger_period = sum(
            Payment.objects.filter(
                event__source_code="KOM", paid_on__gte=period.start, paid_on__lt=period.end
            ).values_list("settlement_amount", flat=True),
            Decimal(0),
        )
        assert Decimal(got["paid_this_period"]) == ledger_period
        transaction.set_rollback(True)
