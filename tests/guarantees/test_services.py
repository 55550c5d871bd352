"""Guarantee rules that the scenario does not walk through: the authority table, the letter's
language, expiry by validity, the turnaround figures, and the machine being catalog data."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP
from apps.assistances import services as cases
from apps.core.exceptions import ConflictError, ValidationFailed
from apps.guarantees import selectors, services
from apps.guarantees.models import Approval, DelegatedAuthority
from apps.masters.models import GuaranteeStatus, StatusRole
from apps.vouchers.models import BenefitCommitment
from tests.accounts.factories import UserFactory
from tests.assistances.factories import covered_case
from tests.providers.factories import ProviderFactory
from tests.vouchers.factories import country

pytestmark = pytest.mark.django_db


def _user(*groups):
    user = UserFactory(is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def assignment():
    event = covered_case()  # a USD 1,000 benefit
    provider = ProviderFactory(assistances=[event.assistance], country=country("ES"))
    return cases.event_provider_assign(event=event, provider=provider, currency="USD")


def _draft(assignment, amount="300", **data):
    return services.guarantee_create(
        assignment=assignment, data={"amount": Decimal(amount), "covered_services": "ER", **data}
    )


def test_the_seeded_authorities_and_a_source_row_that_wins_over_the_every_source_row():
    tmo = _user(TMO_GROUP)
    assert services.operator_authority(user=tmo, source_code="KOM") == services.Authority(Decimal("1000.00"), "USD")
    DelegatedAuthority.objects.create(group=Group.objects.get(name=TMO_GROUP), source_code="KOM", amount=Decimal("250"))
    assert services.operator_authority(user=tmo, source_code="KOM").amount == Decimal("250")
    assert services.operator_authority(user=tmo, source_code="MOK").amount == Decimal("1000.00")
    # The highest of the user's groups counts.
    both = _user(TMO_GROUP, ADMIN_GROUP)
    assert services.operator_authority(user=both, source_code="KOM").amount == Decimal("10000.00")
    assert services.operator_authority(user=_user(), source_code="KOM") is None


def test_no_authority_fails_closed_and_above_the_benefit_waits_even_for_an_admin(assignment):
    guarantee = services.guarantee_issue(guarantee=_draft(assignment), actor=_user())
    assert guarantee.versions.get().approval == Approval.PENDING
    big = services.guarantee_issue(guarantee=_draft(assignment, "1500"), actor=_user(ADMIN_GROUP))
    version = big.versions.get()
    assert version.approval == Approval.PENDING and "1000.00" in version.approval_reason
    services.guarantee_decide(guarantee=big, approve=True, actor=_user(ADMIN_GROUP))
    # Approved above the benefit: committed anyway, the approval is what allowed it.
    assert BenefitCommitment.objects.get(pk=big.versions.get().commitment_id).amount == Decimal("1500.00")


def test_content_rules_are_field_errors(assignment):
    with pytest.raises(ValidationFailed) as caught:
        _draft(assignment, "10.005")  # USD has two decimals
    assert "amount" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        _draft(
            assignment,
            valid_from=datetime.date(2026, 3, 10),
            valid_until=datetime.date(2026, 3, 1),
            deductible=Decimal("500"),
        )
    assert {"valid_until", "deductible"} <= caught.value.errors.keys()


def test_only_a_draft_is_edited_and_an_issued_one_is_amended(assignment):
    guarantee = _draft(assignment)
    guarantee = services.guarantee_update(guarantee=guarantee, data={"amount": Decimal("350"), "language": "pt"})
    assert guarantee.versions.get().amount == Decimal("350") and guarantee.language == "pt"
    services.guarantee_issue(guarantee=guarantee, actor=_user(TMO_GROUP))
    with pytest.raises(ConflictError) as caught:
        services.guarantee_update(guarantee=guarantee, data={"amount": Decimal("400")})
    assert caught.value.code == "not_a_draft"
    services.guarantee_update(guarantee=guarantee, data={"recipient_email": "billing@example.com"})


@pytest.mark.parametrize(
    ("languages", "iso2", "expected"),
    [(["pt", "es"], "ES", "pt"), ([], "BR", "pt"), ([], "MX", "es"), (["fr"], "FR", "en"), (["en"], "BR", "en")],
)
def test_the_letter_language_is_the_providers_else_its_countrys(languages, iso2, expected):
    provider = ProviderFactory(languages=languages, country=country(iso2))
    assert services.letter_language(provider) == expected


def test_expiry_by_validity_releases_the_commitment(assignment):
    guarantee = _draft(assignment, valid_from=timezone.localdate(), valid_until=timezone.localdate())
    services.guarantee_issue(guarantee=guarantee, actor=_user(TMO_GROUP))
    commitment = guarantee.versions.get().commitment
    assert services.guarantees_expire(today=timezone.localdate()) == 0  # valid through today
    assert services.guarantees_expire(today=timezone.localdate() + datetime.timedelta(days=1)) == 1
    guarantee.refresh_from_db()
    commitment.refresh_from_db()
    assert guarantee.status.role == StatusRole.EXPIRED and commitment.released
    assert services.guarantees_expire(today=timezone.localdate() + datetime.timedelta(days=2)) == 0


def test_the_machine_is_catalog_data_found_by_role(assignment):
    # Operators may rename a status; the services find it by its role.
    GuaranteeStatus.objects.filter(role=StatusRole.ISSUED).update(code="EMITIDA")
    guarantee = services.guarantee_issue(guarantee=_draft(assignment), actor=_user(TMO_GROUP))
    assert guarantee.status.code == "EMITIDA"
    # A move the catalog does not allow is a 409 with what is allowed.
    with pytest.raises(ConflictError) as caught:
        services.guarantee_close(guarantee=guarantee)
    assert caught.value.code == "illegal_transition" and "SENT" in caught.value.extra["allowed"]


def test_turnaround_percentiles_per_source(assignment):
    start = timezone.now()
    for minutes in (5, 10, 20, 40):
        guarantee = _draft(assignment)
        services.guarantee_issue(
            guarantee=guarantee,
            actor=_user(TMO_GROUP),
            now=assignment.assigned_at + datetime.timedelta(minutes=minutes),
        )
    services.guarantee_mark_sent(guarantee=guarantee, recipient="er@example.com", now=start)
    services.guarantee_answer(guarantee=guarantee, accept=True, now=start + datetime.timedelta(minutes=30))
    [row] = selectors.turnaround(month=timezone.localdate().replace(day=1))
    assert (row.source_code, row.guarantees, row.answered) == ("KOM", 4, 1)
    assert (row.to_issue_p50_minutes, row.to_issue_p90_minutes) == (Decimal("10.0"), Decimal("40.0"))
    assert row.to_answer_p50_minutes == Decimal("30.0")
    assert selectors.percentile([], 50) is None


def test_a_clf_guarantee_keeps_four_decimals_and_commits_in_the_vouchers_currency():
    from apps.masters.models import ExchangeRate

    ExchangeRate.objects.create(
        date=timezone.localdate(), from_currency="CLF", to_currency="USD", rate=Decimal("40"), source="TEST"
    )
    event = covered_case()
    provider = ProviderFactory(assistances=[event.assistance], country=country("CL"))
    assignment = cases.event_provider_assign(event=event, provider=provider, currency="CLF")
    guarantee = services.guarantee_issue(guarantee=_draft(assignment, "12.3456"), actor=_user(TMO_GROUP))
    version = guarantee.versions.get()
    commitment = BenefitCommitment.objects.get(pk=version.commitment_id)
    assert (version.amount, version.voucher_amount) == (Decimal("12.3456"), Decimal("493.82"))
    assert (commitment.amount, commitment.original_amount, commitment.original_currency) == (
        Decimal("493.82"),
        Decimal("12.3456"),
        "CLF",
    )
    with pytest.raises(ValidationFailed):
        _draft(assignment, "1.23456")  # five decimals: CLF has four
