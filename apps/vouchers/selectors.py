"""Reads of vouchers: lists and detail shaped for the API and admin, and the coverage check."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils.translation import gettext as _

from apps.masters.models import Assistance, Country, StatusRole
from apps.vouchers.models import BenefitCommitment, Voucher, VoucherBenefit, VoucherStatusHistory, VoucherTraveller

ZERO = Decimal("0.00")


def voucher_list(*, filters: dict | None = None) -> QuerySet[Voucher]:
    """Vouchers with what a list row shows, in a constant number of queries whatever the page size.

    ``filters`` takes the API's filter names (see ``apps.vouchers.filters.VoucherFilter``).
    """
    queryset = (
        # The status comes by prefetch, not by a join: joined to the five-row status table, MySQL
        # drives the query from it and sorts every voucher to serve one page.
        Voucher.objects.select_related("residence_country")
        .prefetch_related(
            "status",
            Prefetch("destinations", queryset=Country.objects.only("id", "iso2").order_by("iso2")),
        )
        .order_by("-id")
    )
    if filters:
        from apps.vouchers.filters import VoucherFilter

        queryset = VoucherFilter(filters, queryset).qs
    return queryset


def benefits_with_usage() -> QuerySet[VoucherBenefit]:
    """Benefits annotated with what their unreleased commitments already use (one query for many benefits)."""
    unreleased = Q(commitments__released=False)
    money = DecimalField(max_digits=14, decimal_places=2)
    return (
        VoucherBenefit.objects.select_related("assistance", "category")
        .annotate(
            committed_amount=Coalesce(Sum("commitments__amount", filter=unreleased), Value(ZERO), output_field=money),
            committed_count=Coalesce(
                Sum("commitments__count", filter=unreleased), Value(0), output_field=IntegerField()
            ),
        )
        .annotate(
            # No limit of a kind → nothing "remaining" of it (NULL), on every backend.
            remaining_amount=Case(
                When(limit_amount__isnull=True, then=Value(None, output_field=money)),
                default=Greatest(F("limit_amount") - F("committed_amount"), Value(ZERO), output_field=money),
            ),
            remaining_count=Case(
                When(limit_count__isnull=True, then=Value(None, output_field=IntegerField())),
                # Signed arithmetic: the column is unsigned on MySQL and the difference may be negative.
                default=Greatest(
                    Cast("limit_count", IntegerField()) - F("committed_count"), Value(0), output_field=IntegerField()
                ),
            ),
        )
        .order_by("id")
    )


def voucher_detail_queryset() -> QuerySet[Voucher]:
    """One voucher with travellers, benefits (and their use), destinations and history: a fixed number of queries."""
    return voucher_list().prefetch_related(
        Prefetch("travellers", queryset=VoucherTraveller.objects.order_by("-is_holder", "id")),
        Prefetch("benefits", queryset=benefits_with_usage()),
        Prefetch(
            "status_history",
            queryset=VoucherStatusHistory.objects.select_related("from_status", "to_status").order_by(
                "changed_at", "id"
            ),
        ),
    )


def voucher_get(*, pk: int) -> Voucher | None:
    return voucher_detail_queryset().filter(pk=pk).first()


def voucher_ids_by_document(document_number: str) -> set[int]:
    """Vouchers whose holder or any traveller has this document number (two indexed lookups).

    Two queries rather than one OR across tables, which MySQL answers by scanning every voucher.
    """
    ids = set(Voucher.objects.filter(holder_document_number=document_number).values_list("pk", flat=True))
    ids.update(VoucherTraveller.objects.filter(document_number=document_number).values_list("voucher_id", flat=True))
    return ids


# --- Coverage ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageReason:
    code: str
    passed: bool
    message: str


@dataclass(frozen=True)
class BenefitUsage:
    limit_amount: Decimal | None
    currency: str
    limit_count: int | None
    committed_amount: Decimal
    committed_count: int

    @property
    def remaining_amount(self) -> Decimal | None:
        if self.limit_amount is None:
            return None
        return max(self.limit_amount - self.committed_amount, ZERO)

    @property
    def remaining_count(self) -> int | None:
        if self.limit_count is None:
            return None
        return max(self.limit_count - self.committed_count, 0)

    @property
    def has_remaining(self) -> bool:
        amount_ok = self.remaining_amount is None or self.remaining_amount > 0
        count_ok = self.remaining_count is None or self.remaining_count > 0
        return amount_ok and count_ok


@dataclass(frozen=True)
class CoverageResult:
    """The answer to "does this voucher cover this assistance, in this country, on this date?".

    ``reasons`` lists every rule checked, in order, each passed or not, so an operator sees all
    that is wrong at once. ``benefit`` is the benefit that applies (an assistance-specific one
    beats its category's); the limit figures are that benefit's, and are empty without one.
    """

    covered: bool
    reasons: tuple[CoverageReason, ...]
    benefit: VoucherBenefit | None
    limit_amount: Decimal | None
    currency: str
    limit_count: int | None
    committed_amount: Decimal
    committed_count: int
    remaining_amount: Decimal | None
    remaining_count: int | None

    def failed(self) -> list[CoverageReason]:
        return [reason for reason in self.reasons if not reason.passed]


def applicable_benefit(*, voucher: Voucher, assistance: Assistance) -> VoucherBenefit | None:
    """The voucher's benefit for this assistance type, else the one for its category, else None."""
    candidates = list(
        VoucherBenefit.objects.filter(voucher=voucher)
        .filter(Q(assistance=assistance) | Q(category_id=assistance.category_id))
        .select_related("assistance", "category")
    )
    specific = next((b for b in candidates if b.assistance_id == assistance.pk), None)
    return specific or next((b for b in candidates if b.category_id == assistance.category_id), None)


def benefit_usage(*, benefit: VoucherBenefit) -> BenefitUsage:
    """The limit of a benefit and how much of it unreleased commitments already take."""
    totals = BenefitCommitment.objects.filter(benefit=benefit, released=False).aggregate(
        amount=Sum("amount"), count=Sum("count")
    )
    return BenefitUsage(
        limit_amount=benefit.limit_amount,
        currency=benefit.currency,
        limit_count=benefit.limit_count,
        committed_amount=totals["amount"] or ZERO,
        committed_count=totals["count"] or 0,
    )


def _covers_country(voucher: Voucher, country: Country) -> bool:
    if voucher.worldwide:
        return True
    cache = getattr(voucher, "_prefetched_objects_cache", {})
    if "destinations" in cache:
        return any(c.pk == country.pk for c in cache["destinations"])
    return voucher.destinations.filter(pk=country.pk).exists()


def voucher_check_coverage(
    *, voucher: Voucher, assistance: Assistance, country: Country, on_date: datetime.date
) -> CoverageResult:
    """Check every coverage rule and report each one (a pure read: nothing is written or locked).

    Rules: the voucher is in force (its status has that role: ACTIVE as seeded); ``on_date`` is
    within its validity; the country is covered (worldwide, or one of the destinations) and is not
    the residence country; a benefit exists for the assistance type or its category; and that
    benefit still has some limit left.
    """
    reasons = []

    def check(code: str, passed: bool, ok: str, failed: str) -> None:
        reasons.append(CoverageReason(code=code, passed=passed, message=ok if passed else failed))

    status_code = voucher.status.code
    check(
        "status",
        voucher.status.role == StatusRole.IN_FORCE,
        _("The voucher is active."),
        _("The voucher is not active (status %(status)s).") % {"status": status_code},
    )
    period = {"date": on_date.isoformat(), "start": voucher.valid_from.isoformat(), "end": voucher.valid_to.isoformat()}
    check(
        "validity",
        voucher.valid_from <= on_date <= voucher.valid_to,
        _("%(date)s is within the validity (%(start)s to %(end)s).") % period,
        _("%(date)s is outside the validity (%(start)s to %(end)s).") % period,
    )
    check(
        "destination",
        _covers_country(voucher, country),
        _("%(country)s is covered.") % {"country": country.iso2},
        _("%(country)s is not among the voucher's destinations.") % {"country": country.iso2},
    )
    check(
        "residence",
        voucher.residence_country_id != country.pk,
        _("%(country)s is not the residence country.") % {"country": country.iso2},
        _("%(country)s is the traveller's residence country, where coverage does not apply.")
        % {"country": country.iso2},
    )
    benefit = applicable_benefit(voucher=voucher, assistance=assistance)
    if benefit is None:
        check(
            "benefit",
            False,
            "",
            _("No benefit covers %(assistance)s or its category.") % {"assistance": assistance.code},
        )
        check("limit", False, "", _("Without a benefit there is no limit to use."))
        usage = None
    else:
        target = benefit.assistance or benefit.category
        check("benefit", True, _("Benefit for %(target)s applies.") % {"target": target.code}, "")
        usage = benefit_usage(benefit=benefit)
        check(
            "limit",
            usage.has_remaining,
            _("The benefit's limit is not used up."),
            _("The benefit's limit is used up."),
        )
    return CoverageResult(
        covered=all(reason.passed for reason in reasons),
        reasons=tuple(reasons),
        benefit=benefit,
        limit_amount=usage.limit_amount if usage else None,
        currency=usage.currency if usage else "",
        limit_count=usage.limit_count if usage else None,
        committed_amount=usage.committed_amount if usage else ZERO,
        committed_count=usage.committed_count if usage else 0,
        remaining_amount=usage.remaining_amount if usage else None,
        remaining_count=usage.remaining_count if usage else None,
    )


def voucher_travellers(*, voucher_id: int) -> dict | None:
    """A voucher's travellers (holder first) and residence country, to fill a case being opened."""
    voucher = Voucher.objects.select_related("residence_country").filter(pk=voucher_id).first()
    if voucher is None:
        return None
    return {
        "travellers": [
            {
                "name": f"{t.first_name} {t.last_name}".strip(),
                "document_type": t.document_type,
                "document_number": t.document_number,
                "holder": t.is_holder,
            }
            for t in voucher.travellers.all()
        ],
        "residence": voucher.residence_country.name if voucher.residence_country_id else None,
    }
