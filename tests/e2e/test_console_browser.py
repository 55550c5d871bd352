"""The operators' console on a night shift, in a real browser (Debian's chromium via Playwright).

A partner opens a case through the API over HTTP while an operator watches the queue; the operator
takes it, opens a case whose coverage is refused and overrides it without retyping, assigns the
nearest provider, adds a shared note, logs a call and closes the case. Each step's outcome is
checked in the database, the clicks are counted, and screenshots at 1440 px and 390 px are kept in
var/test-artifacts/. Every request the browser makes to anything but the test server is refused and
recorded: the console and the API docs must work with no network.
"""

import io
import json
import re
import shutil
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.roles import TMO_GROUP
from apps.assistances.models import Event, Note
from apps.clients.jwks import clear_key_sets
from apps.consultations.models import PhoneConsultation
from apps.masters.models import Assistance
from tests.accounts.factories import UserFactory
from tests.clients.support import READ, WRITE
from tests.providers.factories import LocationFactory, ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, country

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("tests.clients.local_issuer_urls"),
]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PARTNER_CLIENT_ID = "5e2econsolee2e0000000000001"


@dataclass
class Browser:
    """Chromium with one context per operator; counts clicks and records refused outside requests."""

    server: str
    shots: object
    playwright_browser: object = None
    blocked: list[str] = field(default_factory=list)
    clicks: dict[str, int] = field(default_factory=dict)

    def context(self, user, viewport=DESKTOP):
        client = Client()
        client.force_login(user)
        context = self.playwright_browser.new_context(locale="es-AR", viewport=viewport)
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": self.server}])
        context.route("**/*", self._only_the_server)
        return context

    def _only_the_server(self, route):
        if route.request.url.startswith(self.server):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def click(self, page, selector: str, task: str) -> None:
        page.click(selector)
        self.clicks[task] = self.clicks.get(task, 0) + 1

    def shot(self, page, name: str) -> None:
        page.screenshot(path=str(self.shots / f"console-{name}.png"), full_page=True)


@pytest.fixture
def browser(live_server, artifacts_dir, transactional_db, monkeypatch):
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("The console browser tests need Debian's chromium (apt-get install chromium).")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    harness = Browser(server=live_server.url, shots=artifacts_dir)
    with sync_playwright() as playwright:
        harness.playwright_browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield harness
        harness.playwright_browser.close()


@pytest.fixture
def partner(settings, tmp_path, live_server):
    """A KOM API client with a token from the local issuer: it calls the live server over HTTP."""
    settings.DEBUG = True  # local tokens exist under the local settings only (as `make run` has them)
    settings.LOCAL_TOKEN_KEY_PATH = tmp_path / "local-token-key.pem"
    settings.COGNITO_ISSUER = f"{live_server.url}/local-cognito"
    settings.COGNITO_JWKS_URL = ""
    clear_key_sets()
    out = io.StringIO()
    call_command(
        "create_api_client",
        "--name",
        "KOM",
        "--source",
        "KOM",
        "--client-id",
        PARTNER_CLIENT_ID,
        "--scopes",
        READ,
        WRITE,
        stdout=out,
    )
    key = out.getvalue().strip().splitlines()[-1]
    out = io.StringIO()
    call_command("mint_local_token", "--client-id", PARTNER_CLIENT_ID, stdout=out)
    yield {"Authorization": f"Bearer {out.getvalue().strip()}", "x-api-key": key}
    clear_key_sets()


def _api_post(server: str, path: str, headers: dict, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the loopback test server
        f"{server}{path}",
        data=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{exc.code}: {exc.read().decode()}") from exc


def _operator(email: str):
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True, email=email)
    user.groups.add(Group.objects.get(name=TMO_GROUP))
    return user


def _pick(browser, page, field_id: str, text: str, task: str) -> None:
    """Choose in one of the admin's autocomplete boxes, as an operator does: open, type, Enter."""
    browser.click(page, f".select2-selection[aria-labelledby='select2-{field_id}-container']", task)
    page.fill(".select2-container--open .select2-search__field", text)
    page.wait_for_selector(".select2-results__option--highlighted")
    page.keyboard.press("Enter")


@contextmanager
def _stopwatch():
    started = time.monotonic()
    elapsed = {}
    yield elapsed
    elapsed["seconds"] = time.monotonic() - started


def test_a_night_shift_in_the_console(browser, partner, live_server):  # noqa: PLR0915 (one shift, step by step)
    spain = country("ES")
    emergency = Assistance.objects.get(code="MED_EMERGENCY")
    covering = VoucherFactory(number="KOM-COVERS-1", source="KOM", worldwide=True, residence_country=country("AR"))
    BenefitFactory(voucher=covering, assistance=emergency)
    refusing = VoucherFactory(number="PH-REFUSED-1", worldwide=True, residence_country=spain)
    BenefitFactory(voucher=refusing, assistance=emergency)
    near = ProviderFactory(assistances=[emergency], display_name="Hospital del Centro")
    LocationFactory(provider=near, latitude=40.417, longitude=-3.704, is_24h=True, country=spain)
    operator = _operator("noche@example.test")

    context = browser.context(operator)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector("#queue .queue-counters")
    browser.shot(page, "queue-empty-1440")

    # 1. A partner opens a case through the API: it appears in the queue by itself within 5 s.
    opened = _api_post(
        live_server.url,
        "/v1/assistances/events",
        partner,
        {
            "source_code": "KOM",
            "traveller_name": "Lucía Silva",
            "assistance": "MED_EMERGENCY",
            "country": "ES",
            "voucher": "KOM-COVERS-1",
            "latitude": 40.4168,
            "longitude": -3.7038,
        },
    )
    with _stopwatch() as waited:
        page.wait_for_selector(f"#queue >> text={opened['code']}", timeout=5_000)
    assert waited["seconds"] <= 5
    assert page.is_visible("#queue-alert")
    browser.shot(page, "queue-new-case-1440")

    # 2. Take it from the queue: one click.
    browser.click(page, f'.queue-row:has-text("{opened["code"]}") .queue-take', "take")
    page.wait_for_selector(f'.queue-row:has-text("{opened["code"]}") .queue-mine')
    assert Event.objects.get(code=opened["code"]).assigned_operator == operator

    # 3. Open a case whose coverage is refused: the form keeps everything, the override goes in place.
    page.goto(f"{live_server.url}/admin/assistances/event/add/")
    _pick(browser, page, "id_voucher", "PH-REFUSED-1", "open case")
    page.fill("#id_traveller_name", "Pedro Gómez")
    page.fill("#id_traveller_phone", "+34 600 111 222")
    _pick(browser, page, "id_assistance", "urgencia", "open case")
    _pick(browser, page, "id_country", "ES", "open case")
    page.fill("#id_description", "Fiebre alta en el hotel")
    page.wait_for_selector("#coverage-verdict .rule-failed")  # the verdict, live, before saving
    browser.click(page, "input[name=_save]", "open case")
    page.wait_for_selector(".field-override_reason .errorlist")
    assert page.input_value("#id_traveller_name") == "Pedro Gómez"
    assert page.input_value("#id_description") == "Fiebre alta en el hotel"
    browser.shot(page, "opening-refused-1440")
    page.fill("#id_override_reason", "Residente en viaje interno; autoriza supervisor")
    _submit(browser, page, "input[name=_save]", "open case")
    refused_case = Event.objects.get(traveller_name="Pedro Gómez")
    assert refused_case.coverage_override_reason and refused_case.assigned_operator == operator
    assert refused_case.code in page.inner_text(".messagelist")

    # 4. Assign the nearest provider to the partner's case, from its header.
    case = Event.objects.get(code=opened["code"])
    page.goto(f"{live_server.url}/admin/assistances/event/{case.pk}/change/")
    browser.shot(page, "case-page-1440")
    with page.expect_navigation():
        browser.click(page, ".case-header-actions a[href$='/assign/']", "assign")
    page.wait_for_selector(".nearby-map svg")
    browser.shot(page, "assign-1440")
    _submit(browser, page, ".assign-table tbody tr:first-child input[type=submit]", "assign")
    assert case.providers.get().provider == near

    # 5. A shared note from the header.
    browser.click(page, ".case-header-note summary", "note")
    page.fill(".case-header-note textarea", "Ambulancia en camino; llegada estimada 20 min")
    page.select_option(".case-header-note select[name=visibility]", "shared")
    with page.expect_navigation():
        browser.click(page, ".case-header-note button[type=submit]", "note")
    page.wait_for_selector(".note-shared")
    assert Note.objects.get(event=case, visibility="shared").body.startswith("Ambulancia")

    # 6. Log a call from the header: the form comes linked to the case, back to the case after saving.
    with page.expect_navigation():
        browser.click(page, ".case-header-actions a[href*='phoneconsultation/add']", "call")
    page.fill("#id_reason", "La viajera confirma la dirección")
    page.fill("#id_duration_seconds", "4:30")
    page.select_option("#id_outcome", "resolved")
    if not page.input_value("#id_phone_number"):
        page.fill("#id_phone_number", "+34 600 555 010")  # the partner sent no phone: the caller gives one
    _submit(browser, page, "input[name=_save]", "call")
    assert re.search(rf"/admin/assistances/event/{case.pk}/change/", page.url)
    call = PhoneConsultation.objects.get(event=case)
    assert call.duration_seconds == 270 and call.caller_name == "Lucía Silva"

    # 7. Close the case: in progress, resolved, closed.
    for code in ("IN_PROGRESS", "RESOLVED", "CLOSED"):
        with page.expect_navigation():
            browser.click(page, ".case-header-actions a[href$='/status/']", "close")
        option = page.locator("#id_status option", has_text=_status_name(code)).get_attribute("value")
        page.select_option("#id_status", option)
        if code == "CLOSED":
            # The provider is still assigned: closing asks what to do with it, here and now.
            assert page.is_visible(".warning")
            page.select_option("#id_open_assignments", "resolve")
        _submit(browser, page, "input[type=submit]", "close")
    assert Event.objects.get(pk=case.pk).closed_at is not None
    assert case.providers.get().status.code == "RESOLVED"  # a closed case closes its work

    # Clicks per task, as counted above (the opening form's three autocomplete boxes are three of them).
    assert browser.clicks["take"] == 1
    assert browser.clicks["note"] == 2
    assert browser.clicks["call"] == 2
    assert browser.clicks["assign"] == 2
    assert browser.clicks["open case"] <= 5
    (browser.shots / "console-clicks.json").write_text(json.dumps(browser.clicks, indent=2))

    # The case list fits 1440 px: no sideways scrolling, the owner and the opening time in view.
    page.goto(f"{live_server.url}/admin/assistances/event/?state=all")
    page.wait_for_selector("#result_list")
    browser.shot(page, "case-list-1440")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    # Nor inside the list: the table is no wider than its box (the last column is not cut off).
    assert page.evaluate(
        "(() => { const t = document.querySelector('#result_list');"
        " return t.getBoundingClientRect().right <= t.parentElement.getBoundingClientRect().right + 1; })()"
    )

    # The same work on a phone: the queue and the case header fit 390 px.
    phone = browser.context(operator, viewport=PHONE).new_page()
    phone.goto(f"{live_server.url}/admin/")
    phone.wait_for_selector("#queue .queue-counters")
    browser.shot(phone, "queue-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    phone.goto(f"{live_server.url}/admin/assistances/event/{refused_case.pk}/change/")
    header_width = phone.evaluate("document.querySelector('.case-header').getBoundingClientRect().right")
    assert header_width <= PHONE["width"] + 1
    browser.shot(phone, "case-header-390")
    assert browser.blocked == []


def _submit(browser, page, selector: str, task: str) -> None:
    """Click a form's button and wait for the next page: the admin's success message, else its errors."""
    with page.expect_navigation():
        browser.click(page, selector, task)
    outcome = page.wait_for_function(
        "() => (document.querySelector('.messagelist .success, .messagelist .info') && 'saved')"
        " || (document.querySelector('.errornote, ul.errorlist') && 'refused')"
    ).json_value()
    if outcome != "saved":
        errors = page.locator(".errornote, ul.errorlist").all_inner_texts()
        browser.shot(page, "not-saved")
        raise AssertionError(f"not saved at {page.url}: {errors}")


def _status_name(code: str) -> str:
    from apps.masters.models import EventStatus

    return EventStatus.objects.get(code=code).name_es


def test_two_operators_saving_the_same_case_the_second_gets_the_conflict_page(browser, live_server):
    from tests.assistances.factories import covered_case

    case = covered_case(address="Calle Mayor 1")
    first, second = _operator("uno@example.test"), _operator("dos@example.test")
    tab_one = browser.context(first).new_page()
    tab_two = browser.context(second).new_page()
    url = f"{live_server.url}/admin/assistances/event/{case.pk}/change/"
    tab_one.goto(url)
    tab_two.goto(url)

    tab_one.fill("#id_address", "Hotel Sol, habitación 12")
    tab_one.click("input[name=_save]")
    tab_one.wait_for_selector(".messagelist .success")

    tab_two.fill("#id_description", "Dolor torácico")
    tab_two.click("input[name=_save]")
    tab_two.wait_for_selector(".conflict-table")
    text = tab_two.inner_text("#content")
    assert "Hotel Sol, habitación 12" in text and "Calle Mayor 1" in text and "Dolor torácico" in text
    assert "uno@example.test" in text
    browser.shot(tab_two, "conflict-1440")
    saved = Event.objects.get(pk=case.pk)
    assert saved.address == "Hotel Sol, habitación 12" and saved.description == ""
    assert browser.blocked == []


def test_the_queue_works_from_the_keyboard(browser, live_server):
    from tests.assistances.factories import covered_case

    case = covered_case()
    operator = _operator("teclado@example.test")
    page = browser.context(operator).new_page()
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector(f"#queue >> text={case.code}")
    page.keyboard.press("j")  # select the first case
    page.keyboard.press("t")  # take it
    page.wait_for_selector(f'.queue-row:has-text("{case.code}") .queue-mine')
    assert Event.objects.get(pk=case.pk).assigned_operator == operator
    page.keyboard.press("j")
    page.keyboard.press("Enter")  # open it
    page.wait_for_url(re.compile(rf"/admin/assistances/event/{case.pk}/change/"))

    # On the case: a note with "n", written and added without the mouse.
    page.keyboard.press("n")
    page.keyboard.type("Llamar al hotel a las 8")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert Note.objects.get(event=case).body == "Llamar al hotel a las 8"

    # The status with "s": the new status is chosen and sent with the keyboard.
    with page.expect_navigation():
        page.keyboard.press("s")
    page.keyboard.press("ArrowDown")
    for _ in range(20):  # Tab to the submit button (the date-time field takes several stops)
        if page.evaluate("document.activeElement.type") == "submit":
            break
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Event.objects.get(pk=case.pk).status.code != "OPENED"


def test_api_docs_render_with_no_network_beyond_the_server(browser, live_server):
    page = browser.context(_operator("docs@example.test")).new_page()
    page.goto(f"{live_server.url}/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Bigtree Assist API" in page.inner_text(".swagger-ui .info .title")
    browser.shot(page, "api-docs-1440")
    assert browser.blocked == []


def test_a_guarantee_above_authority_is_approved_from_the_case_page(browser, live_server):
    """The case page's guarantees: a version waiting for approval, approved by an administrator in two
    clicks; the section is kept as screenshots at 1440 px and 390 px."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from apps.accounts.roles import ADMIN_GROUP
    from apps.assistances import services as cases
    from apps.guarantees import services as guarantees
    from apps.guarantees.models import Guarantee
    from apps.masters.models import ExchangeRate
    from tests.assistances.factories import covered_case

    ExchangeRate.objects.create(
        date=timezone.localdate() - datetime.timedelta(days=1),
        from_currency="USD",
        to_currency="MXN",
        rate=Decimal("20"),
        source="TEST",
    )
    operator = _operator("gop-tmo@example.test")
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"), currency="USD")
    BenefitFactory(
        voucher=voucher, assistance=Assistance.objects.get(code="MED_EMERGENCY"), limit_amount=Decimal("5000.00")
    )
    case = covered_case(actor=operator, voucher=voucher, country=country("MX"))
    hospital = ProviderFactory(assistances=[case.assistance], country=country("MX"), display_name="Hospital Ángeles")
    assignment = cases.event_provider_assign(event=case, provider=hospital, currency="MXN", actor=operator)
    in_force = guarantees.guarantee_create(
        assignment=assignment, data={"amount": Decimal("10000"), "covered_services": "Urgencias."}, actor=operator
    )
    guarantees.guarantee_issue(guarantee=in_force, actor=operator)
    guarantees.guarantee_amend(guarantee=in_force, data={"amount": Decimal("15000")}, actor=operator)
    waiting = guarantees.guarantee_create(
        assignment=assignment, data={"amount": Decimal("40000"), "covered_services": "Internación."}, actor=operator
    )
    guarantees.guarantee_issue(guarantee=waiting, actor=operator)  # USD 2,000 > USD 1,000: waits

    administrator = UserFactory(is_staff=True, email="gop-admin@example.test")
    administrator.groups.add(Group.objects.get(name=ADMIN_GROUP))
    page = browser.context(administrator).new_page()
    page.goto(f"{live_server.url}/admin/assistances/event/{case.pk}/change/")
    page.wait_for_selector(f"#gop-{waiting.pk} .gop-pending")
    page.locator("#guarantees").screenshot(path=str(browser.shots / "console-guarantees-1440.png"))
    browser.click(page, f"#gop-{waiting.pk} .gop-decide", "approve a guarantee")
    browser.click(page, "input[name=approve]", "approve a guarantee")
    page.wait_for_selector(f"#gop-{waiting.pk} [data-status=ISSUED]")
    assert Guarantee.objects.get(pk=waiting.pk).current_version.voucher_amount == Decimal("2000.00")
    assert browser.clicks["approve a guarantee"] == 2

    phone = browser.context(administrator, viewport=PHONE).new_page()
    phone.goto(f"{live_server.url}/admin/assistances/event/{case.pk}/change/")
    phone.locator("#guarantees").screenshot(path=str(browser.shots / "console-guarantees-390.png"))
    assert browser.blocked == []
