"""Guarantees of payment in the console: the case page's section, its command pages through the
services, the approval kept for administrators, the waiting list and the list's query count."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.assistances import services as cases
from apps.audit.models import AuditLog
from apps.guarantees import services
from apps.guarantees.models import Approval, DelegatedAuthority, Guarantee, GuaranteeVersion
from apps.masters.models import Assistance, ExchangeRate
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.helpers import count_queries
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import BenefitFactory, VoucherFactory, country

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}  # the figures as English writes them: 40,000.00 MXN


def _browser(group: str) -> SimpleNamespace:
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return SimpleNamespace(user=user, client=client)


@pytest.fixture
def world():
    """A case in Mexico on a USD 5,000 voucher, a hospital billing in MXN, 1 USD = 20 MXN (the scenario's)."""
    ExchangeRate.objects.create(
        date=timezone.localdate() - datetime.timedelta(days=1),
        from_currency="USD",
        to_currency="MXN",
        rate=Decimal("20"),
        source="TEST",
    )
    tmo, admin = _browser(TMO_GROUP), _browser(ADMIN_GROUP)
    voucher = VoucherFactory(worldwide=True, residence_country=country("AR"), currency="USD")
    BenefitFactory(
        voucher=voucher, assistance=Assistance.objects.get(code="MED_EMERGENCY"), limit_amount=Decimal("5000.00")
    )
    event = covered_case(actor=tmo.user, voucher=voucher, country=country("MX"))
    hospital = ProviderFactory(
        assistances=[event.assistance], country=country("MX"), languages=["es"], display_name="Hospital Ángeles"
    )
    assignment = cases.event_provider_assign(event=event, provider=hospital, currency="MXN", actor=tmo.user)
    return SimpleNamespace(
        tmo=tmo,
        admin=admin,
        event=event,
        assignment=assignment,
        case_url=f"/admin/assistances/event/{event.pk}/change/",
    )


def _gop(world, amount: str, *, actor=None, issue=True) -> Guarantee:
    actor = actor or world.admin.user
    data = {"amount": Decimal(amount), "covered_services": "Emergency room."}
    guarantee = services.guarantee_create(assignment=world.assignment, data=data, actor=actor)
    if issue:
        services.guarantee_issue(guarantee=guarantee, actor=actor)
    return Guarantee.objects.select_related("status").get(pk=guarantee.pk)


def _url(guarantee: Guarantee, action: str) -> str:
    return f"/admin/guarantees/guarantee/{guarantee.pk}/{action}/"


def test_case_page_shows_every_version_in_both_currencies_with_the_rate(world):
    gop = _gop(world, "40000")
    services.guarantee_amend(guarantee=gop, data={"amount": Decimal("60000")}, actor=world.admin.user)
    html = world.tmo.client.get(world.case_url, **EN).content.decode()

    assert "Guarantees of payment" in html and gop.number in html
    section = html[html.index('id="guarantees"') :]
    assert 'data-status="AMENDED"' in section
    # Version 1 superseded, version 2 in force: each in MXN and in the voucher's USD, with the rate row.
    assert section.index('data-version="1"') < section.index('data-version="2"')
    for figure in ("40,000.00 MXN", "2,000.00 USD", "60,000.00 MXN", "3,000.00 USD", "1 USD = 20 MXN"):
        assert figure in section, figure
    assert "is-superseded" in section and "is-in-force" in section
    # The operator's next steps and the letter's preview (a new tab) are offered; approving is not.
    for action in ("amend", "final", "send", "cancel"):
        assert f'href="{_url(gop, action)}"' in section, action
    assert f"/admin/guarantees/guarantee/{gop.pk}/letter/?version=1" in section and 'target="_blank"' in section
    assert _url(gop, "decide") not in section
    assert f"/admin/guarantees/guarantee/new/{world.assignment.pk}/" in section


def test_operator_issues_within_authority_and_the_page_shows_issued(world):
    new_url = f"/admin/guarantees/guarantee/new/{world.assignment.pk}/"
    assert world.tmo.client.get(new_url).status_code == 200
    # MXN 10,000 is USD 500: within a TMO operator's USD 1,000.
    response = world.tmo.client.post(
        new_url, {"amount": "10000.00", "covered_services": "Two days.", "language": "", "issue_now": "on"}
    )
    assert response.status_code == 302 and response["Location"] == world.case_url
    gop = Guarantee.objects.get(assignment=world.assignment)
    assert gop.status.code == "ISSUED" and gop.current_version.voucher_amount == Decimal("500.00")
    assert gop.current_version.issued_by == world.tmo.user
    html = world.tmo.client.get(world.case_url, **EN).content.decode()
    assert 'data-status="ISSUED"' in html and "500.00 USD" in html


def test_the_service_refusal_shows_on_the_form(world):
    new_url = f"/admin/guarantees/guarantee/new/{world.assignment.pk}/"
    response = world.tmo.client.post(new_url, {"amount": "100.123", "covered_services": "x"}, **EN)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]  # MXN has two decimals
    assert not Guarantee.objects.exists()


def test_above_authority_waits_and_only_an_administrator_approves(world):
    gop = _gop(world, "40000", actor=world.tmo.user)  # USD 2,000 > USD 1,000
    assert gop.status.code == "DRAFT" and gop.versions.get().approval == Approval.PENDING

    html = world.tmo.client.get(world.case_url, **EN).content.decode()
    assert "waits for approval" in html and "above the operator" in html
    assert _url(gop, "decide") not in html and _url(gop, "issue") not in html
    # Posting anyway: the service refuses and nothing moves.
    refused = world.tmo.client.post(_url(gop, "decide"), {"approve": "1"}, **EN)
    assert refused.status_code == 200 and "Only an assistances-admin" in refused.content.decode()
    assert gop.versions.get().approval == Approval.PENDING

    html = world.admin.client.get(world.case_url, **EN).content.decode()
    assert f'href="{_url(gop, "decide")}"' in html
    assert world.admin.client.post(_url(gop, "decide"), {"approve": "1", "note": "OK"}).status_code == 302
    gop.refresh_from_db()
    assert gop.status.code == "ISSUED" and gop.current_version.approval == Approval.APPROVED
    html = world.tmo.client.get(world.case_url, **EN).content.decode()
    assert 'data-status="ISSUED"' in html and "in force" in html and "OK" in html


def test_cancel_needs_a_reason_and_gives_the_benefit_back(world):
    gop = _gop(world, "40000")
    page = world.tmo.client.post(_url(gop, "cancel"), {"reason": "  "}, **EN)
    assert page.status_code == 200 and "Say why the guarantee is cancelled." in page.content.decode()
    gop.refresh_from_db()
    assert gop.status.code == "ISSUED"

    assert world.tmo.client.post(_url(gop, "cancel"), {"reason": "Transferred to another hospital."}).status_code == 302
    gop.refresh_from_db()
    assert gop.status.code == "CANCELLED" and gop.current_version.commitment.released
    html = world.tmo.client.get(world.case_url, **EN).content.decode()
    assert 'data-status="CANCELLED"' in html and _url(gop, "cancel") not in html


def test_amend_page_changes_only_what_the_operator_changed(world):
    gop = _gop(world, "40000")
    page = world.tmo.client.get(_url(gop, "amend"))
    assert page.context["form"].initial["amount"] == Decimal("40000.00")
    # Within the TMO operator's authority? USD 2,500 is not: the new version waits, the old stays in force.
    # As a browser posts it: every field as drawn, the amount changed, one date cleared (kept as it was).
    posted = {name: "" if value is None else str(value) for name, value in page.context["form"].initial.items()}
    posted.update(amount="50000.00", valid_until="")
    response = world.tmo.client.post(_url(gop, "amend"), posted)
    assert response.status_code == 302
    gop.refresh_from_db()
    assert gop.current_version.number == 1
    pending = gop.versions.get(number=2)
    assert pending.approval == Approval.PENDING and pending.amount == Decimal("50000")
    assert pending.valid_until == gop.current_version.valid_until


def test_send_and_answer_steps_are_offered_by_state(world):
    gop = _gop(world, "10000")
    html = world.tmo.client.get(world.case_url).content.decode()
    assert f'href="{_url(gop, "send")}"' in html and _url(gop, "answer") not in html
    services.guarantee_mark_sent(guarantee=gop, recipient="gop@hospital.example", actor=world.tmo.user)
    html = world.tmo.client.get(world.case_url).content.decode()
    assert f'href="{_url(gop, "answer")}"' in html
    assert world.tmo.client.post(_url(gop, "answer"), {"decision": "accept", "reason": ""}).status_code == 302
    gop.refresh_from_db()
    assert gop.status.code == "ACCEPTED"


def test_waiting_list_oldest_first_with_its_age_and_the_landing_counter(world):
    now = timezone.now()
    newer = _gop(world, "30000", actor=world.tmo.user)  # waits for approval
    older = _gop(world, "10000", actor=world.tmo.user)  # issued, then sent: waits for the answer
    services.guarantee_mark_sent(guarantee=older, recipient="gop@hospital.example", actor=world.tmo.user)
    GuaranteeVersion.objects.filter(guarantee=newer).update(created_at=now - datetime.timedelta(hours=2))
    Guarantee.objects.filter(pk=older.pk).update(sent_at=now - datetime.timedelta(days=1, hours=3))

    page = world.tmo.client.get("/admin/guarantees/guarantee/waiting/", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(older.number) < html.index(newer.number)
    assert "1 d 3 h" in html and "2 h 00 min" in html
    assert "approval" in html and "the provider&#x27;s answer" in html
    # The turnaround of this month per source (both were issued now... one of them).
    assert "KOM" in html[html.index("Turnaround") :]

    counter = world.tmo.client.get("/admin/guarantees/guarantee/waiting/count/").content.decode()
    assert '<span class="queue-count">1</span>' in counter and counter.count('class="queue-count"') == 2
    assert "/admin/guarantees/guarantee/waiting/count/" in world.tmo.client.get("/admin/").content.decode()


def test_list_shows_amount_in_force_and_its_queries_do_not_grow(world):
    _gop(world, "10000")
    baseline = count_queries(world.tmo.client, "/admin/guarantees/guarantee/")
    for _ in range(4):
        _gop(world, "30000", actor=world.tmo.user)  # USD 1,500: waits for approval
    assert count_queries(world.tmo.client, "/admin/guarantees/guarantee/") == baseline
    html = world.tmo.client.get("/admin/guarantees/guarantee/?q=" + world.event.code, **EN).content.decode()
    assert "10,000.00 MXN" in html and "approval" in html
    assert world.tmo.client.get("/admin/guarantees/guarantee/add/").status_code == 403


def test_delegated_authority_administrators_edit_operators_read(world):
    row = DelegatedAuthority.objects.get(group__name=TMO_GROUP, source_code="")
    url = f"/admin/guarantees/delegatedauthority/{row.pk}/change/"
    assert world.tmo.client.get(url).status_code == 200
    assert world.tmo.client.post(url, {"group": row.group_id, "amount": "5000", "currency": "USD"}).status_code == 403
    response = world.admin.client.post(
        url, {"group": row.group_id, "source_code": "", "amount": "1500.00", "currency": "USD"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.amount == Decimal("1500.00")
    assert AuditLog.objects.filter(object_type="guarantees.delegatedauthority", object_id=str(row.pk)).exists()
