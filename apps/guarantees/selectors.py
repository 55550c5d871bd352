"""Reads of guarantees: lists with what their pages show, the version a letter is asked for, the
queue of guarantees waiting on someone, and the turnaround figures."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import ValidationFailed
from apps.guarantees.models import Approval, Guarantee, GuaranteeVersion
from apps.masters.models import StatusRole


def guarantee_list(*, caller=None) -> QuerySet[Guarantee]:
    """Guarantees with their case, provider, status and every version (with its rate) in two queries."""
    versions = GuaranteeVersion.objects.select_related("rate").order_by("number")
    qs = Guarantee.objects.select_related(
        "event", "assignment__provider", "status", "current_version"
    ).prefetch_related(Prefetch("versions", queryset=versions))
    return qs if caller is None else qs.visible_to(caller)


def case_guarantees(*, event) -> QuerySet[Guarantee]:
    """A case's guarantees for its page: every version, and the statuses each may move to (the buttons)."""
    return guarantee_list().filter(event=event).prefetch_related("status__next_statuses").order_by("created_at", "id")


def pending_approval() -> Exists:
    """Whether a guarantee has a version waiting for approval (an annotation or a filter)."""
    return Exists(GuaranteeVersion.objects.filter(guarantee=OuterRef("pk"), approval=Approval.PENDING))


def waiting_counts() -> dict[str, int]:
    """How many guarantees wait for an approval and for the provider's answer: one query (the landing page)."""
    return Guarantee.objects.aggregate(
        approval=Count("pk", filter=Q(pending_approval())),
        answer=Count("pk", filter=Q(status__role=StatusRole.SENT)),
    )


def version_for_letter(*, guarantee: Guarantee, number: str | None) -> GuaranteeVersion | None:
    """The version asked for by number, else the one in force, else the latest."""
    if number is None:
        return guarantee.current_version or guarantee.versions.order_by("-number").first()
    if not re.fullmatch(r"[1-9][0-9]{0,4}", number):
        raise ValidationFailed.field("version", _("A version is a whole number from 1."))
    return guarantee.versions.filter(number=int(number)).first()


def waiting_guarantees(*, now: datetime.datetime | None = None) -> list[dict]:
    """Guarantees waiting on someone, oldest first: a version waiting for approval, or a letter sent
    and not answered. Each with what it waits for and since when (the console's list)."""
    now = now or timezone.now()
    rows = []
    pending = (
        GuaranteeVersion.objects.filter(approval=Approval.PENDING)
        .select_related("guarantee__event", "guarantee__assignment__provider", "guarantee__status")
        .order_by("created_at")
    )
    for version in pending:
        rows.append(
            {"guarantee": version.guarantee, "version": version, "waiting_for": "approval", "since": version.created_at}
        )
    sent = (
        Guarantee.objects.filter(status__role=StatusRole.SENT)
        .select_related("event", "assignment__provider", "status", "current_version")
        .order_by("sent_at")
    )
    for guarantee in sent:
        rows.append(
            {
                "guarantee": guarantee,
                "version": guarantee.current_version,
                "waiting_for": "answer",
                "since": guarantee.sent_at,
            }
        )
    for row in rows:
        row["age"] = now - row["since"]
    rows.sort(key=lambda row: row["since"])
    return rows


# --- Turnaround -------------------------------------------------------------------------------------


def parse_month(value: str | None) -> datetime.date:
    """``YYYY-MM`` as the first day of that month (this month when not given); 400 otherwise."""
    if value is None:
        return timezone.localdate().replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ValidationFailed.field("month", _("Use YYYY-MM, e.g. 2026-03."))
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def percentile(values: list[Decimal], share: int) -> Decimal | None:
    """The nearest-rank percentile (``share`` in 1..100) of the values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-share * len(ordered) // 100))  # ceil(share/100 * n), in integers
    return ordered[rank - 1]


def minutes_between(start: datetime.datetime, end: datetime.datetime) -> Decimal:
    """Whole seconds between two times, in minutes to one decimal (a turnaround figure)."""
    delta = end - start
    return (Decimal(delta.days * 86400 + delta.seconds) / 60).quantize(Decimal("0.1"))


@dataclass
class Turnaround:
    month: str
    source_code: str
    guarantees: int
    to_issue_p50_minutes: Decimal | None
    to_issue_p90_minutes: Decimal | None
    answered: int
    to_answer_p50_minutes: Decimal | None
    to_answer_p90_minutes: Decimal | None


def turnaround(
    *, month: datetime.date, source_code: str | None = None, event_id: int | None = None
) -> list[Turnaround]:
    """Per source, for guarantees first issued in ``month``: assignment → first issue and first
    sending → the provider's answer, p50 and p90 in minutes. One query; the percentiles in Python
    (MariaDB has no percentile aggregate over groups, and a month is thousands of rows at most)."""
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
    end_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    end = timezone.make_aware(datetime.datetime.combine(end_month, datetime.time.min))
    qs = Guarantee.objects.filter(first_issued_at__gte=start, first_issued_at__lt=end)
    if source_code:
        qs = qs.filter(event__source_code=source_code)
    if event_id is not None:
        qs = qs.filter(event_id=event_id)
    per_source: dict[str, dict[str, list]] = {}
    for source, assigned_at, issued_at, first_sent_at, answered_at in qs.values_list(
        "event__source_code", "assignment__assigned_at", "first_issued_at", "first_sent_at", "first_answered_at"
    ):
        bucket = per_source.setdefault(source, {"issue": [], "answer": []})
        bucket["issue"].append(minutes_between(assigned_at, issued_at))
        if first_sent_at and answered_at:
            bucket["answer"].append(minutes_between(first_sent_at, answered_at))
    label = f"{month:%Y-%m}"
    return [
        Turnaround(
            month=label,
            source_code=source,
            guarantees=len(bucket["issue"]),
            to_issue_p50_minutes=percentile(bucket["issue"], 50),
            to_issue_p90_minutes=percentile(bucket["issue"], 90),
            answered=len(bucket["answer"]),
            to_answer_p50_minutes=percentile(bucket["answer"], 50),
            to_answer_p90_minutes=percentile(bucket["answer"], 90),
        )
        for source, bucket in sorted(per_source.items())
    ]


# --- Verification (the public page) -----------------------------------------------------------------

_CODE_CHARS = re.compile(r"[^A-Z0-9]")


def normalize_code(value: str) -> str | None:
    """A typed verification code as stored ("abcd efgh-jkmn" → "ABCD-EFGH-JKMN"); None if it cannot be one."""
    raw = _CODE_CHARS.sub("", (value or "").upper())
    if len(raw) != 12:
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def initials(name: str) -> str:
    """ "Łukasz Żółć" → "Ł. Ż.": all a verification page says of the traveller."""
    return " ".join(f"{word[0].upper()}." for word in (name or "").split() if word[0].isalpha())


@dataclass(frozen=True)
class Verification:
    """What the public verification page shows of one letter, and nothing else."""

    state: str  # valid | superseded | cancelled | expired | closed | not_issued
    version: int
    amount: Decimal
    currency: str
    valid_from: datetime.date
    valid_until: datetime.date
    provider_name: str
    traveller_initials: str


# The guarantee's status, by role, that decides a version in force's state (any other: valid).
_ENDED = {StatusRole.CANCELLED: "cancelled", StatusRole.EXPIRED: "expired", StatusRole.CLOSED: "closed"}


def verification_lookup(*, code: str, today: datetime.date | None = None) -> Verification | None:
    """The letter a verification code belongs to and whether it stands (None: no such code).

    A version that was never in force is "not issued"; one replaced by a newer version "superseded";
    otherwise the guarantee's end (cancelled, expired, closed) or, past its validity before the
    nightly job has expired it, "expired"; else "valid". One query.
    """
    normalized = normalize_code(code)
    if normalized is None:
        return None
    version = (
        GuaranteeVersion.objects.select_related(
            "guarantee__status", "guarantee__event", "guarantee__assignment__provider"
        )
        .filter(verification_code=normalized)
        .first()
    )
    if version is None:
        return None
    today = today or timezone.localdate()
    guarantee = version.guarantee
    if version.issued_at is None:
        state = "not_issued"
    elif version.superseded_at is not None or guarantee.current_version_id != version.pk:
        state = "superseded"
    elif guarantee.status.role in _ENDED:
        state = _ENDED[guarantee.status.role]
    elif today > version.valid_until:
        state = "expired"
    else:
        state = "valid"
    provider = guarantee.assignment.provider
    return Verification(
        state=state,
        version=version.number,
        amount=version.amount,
        currency=version.currency,
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        provider_name=provider.legal_name or provider.display_name,
        traveller_initials=initials(guarantee.event.traveller_name),
    )
