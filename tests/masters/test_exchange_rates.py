"""Exchange rates: the CSV load (command, admin page, periodic download), the lookup rule and the policy."""

import datetime
import http.server
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.audit.models import AuditLog
from apps.core.exceptions import ConflictError, ValidationFailed
from apps.masters import exchange_rates
from apps.masters.models import ExchangeRate, RatePolicy, Source
from apps.masters.tasks import fetch_exchange_rates

pytestmark = pytest.mark.django_db

HEADER = "date,from_currency,to_currency,rate,source\n"
D = datetime.date


def _rate(day, from_currency, to_currency, rate, source="BANK"):
    return ExchangeRate.objects.create(
        date=day, from_currency=from_currency, to_currency=to_currency, rate=Decimal(rate), source=source
    )


def test_load_is_an_idempotent_upsert():
    text = HEADER + "2026-01-02,USD,MXN,17.1234,BANXICO\n2026-01-02,USD,CLP,930,BCCH\n"
    first = exchange_rates.exchange_rates_load(text=text)
    again = exchange_rates.exchange_rates_load(text=text)
    corrected = exchange_rates.exchange_rates_load(text=HEADER + "2026-01-02,usd,mxn,17.2,BANXICO\n")
    assert (first.created, again.unchanged, corrected.updated) == (2, 2, 1)
    assert ExchangeRate.objects.get(from_currency="USD", to_currency="MXN").rate == Decimal("17.2")
    assert ExchangeRate.objects.count() == 2
    entries = AuditLog.objects.filter(object_type="masters.exchangerate").order_by("id")
    assert [e.changes["created"] for e in entries] == [2, 0]  # the unchanged load is not audited
    assert entries.last().changes["corrected"][0]["rate"] == ["17.1234000000", "17.2"]


def test_a_file_with_a_bad_line_is_refused_whole_with_line_numbers():
    text = HEADER + "2026-01-02,USD,MXN,17.1,B\n2026-13-01,USD,ABC,-1,B\n2026-01-03,USD,USD,1,\n"
    with pytest.raises(ValidationFailed) as excinfo:
        exchange_rates.exchange_rates_load(text=text)
    messages = [str(m) for m in excinfo.value.errors["file"]]
    assert len(messages) == 2
    assert messages[0].startswith(("line 3", "línea 3")) and "ABC" in messages[0] and "2026-13-01" in messages[0]
    assert messages[1].startswith(("line 4", "línea 4"))
    assert {e.code for e in excinfo.value.errors["file"]} == {"invalid_rates_file"}
    assert not ExchangeRate.objects.exists()


def test_a_missing_column_and_a_repeated_rate_are_reported():
    with pytest.raises(ValidationFailed) as excinfo:
        exchange_rates.exchange_rates_load(text="date,from_currency,rate\n2026-01-01,USD,1\n")
    assert "to_currency" in str(excinfo.value.errors["file"][0])
    with pytest.raises(ValidationFailed) as excinfo:
        exchange_rates.exchange_rates_load(text=HEADER + "2026-01-02,USD,MXN,17,B\n2026-01-02,USD,MXN,18,B\n")
    assert "3" in str(excinfo.value.errors["file"][0]).split(":")[0]  # "line 3" / "línea 3"


def test_command_dry_run_writes_nothing_and_errors_name_the_line(tmp_path):
    good = tmp_path / "rates.csv"
    good.write_text(HEADER + "2026-01-02,USD,MXN,17.1234,BANXICO\n", encoding="utf-8")
    out = _call("load_exchange_rates", str(good), "--dry-run")
    assert "would have 1 created" in out and not ExchangeRate.objects.exists()
    assert "1 created" in _call("load_exchange_rates", str(good))
    assert "1 unchanged" in _call("load_exchange_rates", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2026-01-02,USD,MXN,abc,BANXICO\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"(line|línea) 2"):
        _call("load_exchange_rates", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        _call("load_exchange_rates", str(tmp_path / "missing.csv"))


def test_the_demo_table_loads():
    out = _call("load_exchange_rates", "apps/masters/data/exchange_rates_demo.csv")
    assert "0 updated" in out and ExchangeRate.objects.filter(source="DEMO").count() > 10


def _call(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_convert_uses_the_latest_rate_on_or_before_the_date():
    old = _rate(D(2026, 1, 1), "USD", "MXN", "18")
    new = _rate(D(2026, 2, 1), "USD", "MXN", "17.5")
    _rate(D(2026, 3, 1), "USD", "MXN", "17")  # after the date: never used
    result = exchange_rates.convert(Decimal("100"), from_currency="USD", to_currency="MXN", on_date=D(2026, 2, 15))
    assert result.amount == Decimal("1750.00") and result.rate == new and not result.inverse
    assert (
        exchange_rates.convert(Decimal("1"), from_currency="USD", to_currency="MXN", on_date=D(2026, 1, 31)).rate == old
    )


def test_convert_uses_the_inverse_when_only_the_opposite_pair_exists():
    rate = _rate(D(2026, 1, 1), "USD", "CLP", "930")
    result = exchange_rates.convert(Decimal("93000"), from_currency="CLP", to_currency="USD", on_date=D(2026, 1, 5))
    assert result.amount == Decimal("100.00") and result.rate == rate and result.inverse
    # Quantised to the target currency's minor unit: CLP has none.
    assert (
        exchange_rates.convert(Decimal("1.01"), from_currency="USD", to_currency="CLP", on_date=D(2026, 1, 5)).amount
        == 939
    )


def test_convert_without_a_rate_is_a_409_and_the_same_currency_needs_none():
    _rate(D(2026, 2, 1), "USD", "MXN", "17")
    with pytest.raises(ConflictError) as excinfo:
        exchange_rates.convert(Decimal("1"), from_currency="USD", to_currency="MXN", on_date=D(2026, 1, 31))
    assert excinfo.value.code == "no_exchange_rate"
    same = exchange_rates.convert(Decimal("10.005"), from_currency="usd", to_currency="USD", on_date=D(2026, 1, 1))
    assert same.amount == Decimal("10.01") and same.rate is None


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RatePolicy.SERVICE_DATE, D(2026, 3, 3)),
        (RatePolicy.GOP_DATE, D(2026, 3, 2)),
        (RatePolicy.PURCHASE_DATE, D(2026, 1, 1)),
    ],
)
def test_rate_date_follows_the_source_policy(policy, expected):
    Source.objects.filter(code="KOM").update(rate_policy=policy)
    dates = {"service_date": D(2026, 3, 3), "gop_date": D(2026, 3, 2), "purchase_date": D(2026, 1, 1)}
    assert exchange_rates.rate_date_for(source_code="KOM", **dates) == expected
    # A date the policy needs but nobody knows yet falls back to the service date.
    assert exchange_rates.rate_date_for(source_code="KOM", service_date=D(2026, 3, 3)) == D(2026, 3, 3)


def test_sources_default_to_the_service_date():
    assert set(Source.objects.values_list("rate_policy", flat=True)) == {RatePolicy.SERVICE_DATE}


class _RatesHandler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def rates_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _RatesHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_periodic_job_downloads_and_upserts_from_the_configured_url(rates_server, settings):
    _RatesHandler.body = (HEADER + "2026-01-02,USD,BRL,5.5,BCB\n2026-01-02,EUR,USD,1.08,ECB\n").encode()
    settings.EXCHANGE_RATES_URL = f"http://127.0.0.1:{rates_server.server_port}/rates.csv"
    assert fetch_exchange_rates() == 2
    assert fetch_exchange_rates() == 2  # again: the same two, unchanged
    assert ExchangeRate.objects.count() == 2


def test_the_periodic_job_is_off_without_a_url(settings):
    settings.EXCHANGE_RATES_URL = ""
    assert fetch_exchange_rates() == 0


def test_admin_lists_rates_and_loads_a_csv(admin_browser):
    _rate(D(2026, 1, 1), "USD", "MXN", "18")
    assert admin_browser.get("/admin/masters/exchangerate/?q=MXN").status_code == 200
    assert admin_browser.get("/admin/masters/exchangerate/upload/").status_code == 200
    upload = SimpleUploadedFile("rates.csv", (HEADER + "2026-01-02,USD,ARS,1450,BNA\n").encode(), "text/csv")
    response = admin_browser.post("/admin/masters/exchangerate/upload/", {"file": upload})
    assert response.status_code == 302 and ExchangeRate.objects.filter(to_currency="ARS").exists()
    bad = SimpleUploadedFile("rates.csv", (HEADER + "2026-01-02,USD,ARS,x,BNA\n").encode(), "text/csv")
    response = admin_browser.post("/admin/masters/exchangerate/upload/", {"file": bad})
    assert response.status_code == 200 and "línea 2" in response.content.decode()  # the console is in Spanish
