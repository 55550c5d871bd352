"""Writes to guarantees of payment: draft, issue, approve or refuse, send, the provider's answer,
amend, finalise, cancel, close and expire. Every step checks the GuaranteeStatus machine (catalog
data, found by role), records its history and the audit trail, and keeps the voucher's commitment
equal to what the version in force promises.

Money rules:

- a version's amount is in the provider's currency (the assignment's); its equivalent in the
  voucher's currency is computed when it goes in force, at the rate the source's policy picks
  (service date = the assignment's, GOP date = today, purchase date = the voucher's issue), and the
  rate row is kept on the version and on its commitment;
- a version in force commits its whole amount and releases its predecessor's commitment (so an
  upward amendment commits the difference, a downward one gives it back);
- above the issuing operator's delegated authority (converted to the authority's currency at
  today's rate) or above what the voucher has left, the version waits for approval by an
  assistances-admin or by the case's partner; an approved version may go over the benefit.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import ADMIN_GROUP
from apps.assistances.models import EventProvider
from apps.audit.crud import audit_created, audited_create, audited_delete, audited_update
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import Actor, current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.core.money import amount_errors, quantize
from apps.core.services import model_snapshot, serialize_value
from apps.core.visibility import is_partner, partner_source
from apps.guarantees.models import (
    LETTER_LANGUAGES,
    Approval,
    DelegatedAuthority,
    Guarantee,
    GuaranteeStatusHistory,
    GuaranteeVersion,
)
from apps.masters.exchange_rates import convert, rate_date_for
from apps.masters.models import GuaranteeStatus, StatusRole
from apps.masters.services import StatusMachine
from apps.providers.selectors import provider_language
from apps.vouchers.selectors import applicable_benefit, benefit_usage
from apps.vouchers.services import benefit_commit, benefit_release

GUARANTEE_MACHINE = StatusMachine(
    GuaranteeStatus, history=GuaranteeStatusHistory, subject="guarantee", user="changed_by", nobody="Bigtree Assist"
)

# How long a letter is valid when the operator does not say: a hospital stay is usually shorter.
DEFAULT_VALIDITY_DAYS = 30
# The editable content of a version (what an amendment may change).
CONTENT_FIELDS = ("amount", "deductible", "valid_from", "valid_until", "covered_services", "exclusions")
_LANGUAGES = {code for code, _label in LETTER_LANGUAGES}


def letter_language(provider) -> str:
    """The provider's language if it reads one of the letter's (es, pt, en), else its country's, else English."""
    return provider_language(provider)


# --- Reading the rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    amount: Decimal
    currency: str


def operator_authority(*, user, source_code: str) -> Authority | None:
    """The highest delegated authority of the user's groups for the source (a row for the source
    itself wins over the every-source row of the same group); None when no group has one."""
    if user is None or not getattr(user, "pk", None):
        return None
    rows = DelegatedAuthority.objects.filter(group__user=user, source_code__in=[source_code, ""])
    best_per_group: dict[int, DelegatedAuthority] = {}
    for row in rows:
        kept = best_per_group.get(row.group_id)
        if kept is None or (row.source_code and not kept.source_code):
            best_per_group[row.group_id] = row
    if not best_per_group:
        return None
    today = timezone.localdate()
    # Compared in one currency: the first row's (the seeds use USD for every group).
    currency = next(iter(best_per_group.values())).currency
    amounts = [
        convert(row.amount, from_currency=row.currency, to_currency=currency, on_date=today).amount
        for row in best_per_group.values()
    ]
    return Authority(max(amounts), currency)


def may_approve(actor) -> bool:
    """Whether an operator may approve or refuse a version: an assistances-admin (a partner decides on
    its own cases instead; guarantee_decide applies both rules)."""
    return bool(
        actor is not None
        and not is_partner(actor)
        and getattr(actor, "is_authenticated", False)
        and (actor.is_superuser or actor.groups.filter(name=ADMIN_GROUP).exists())
    )


# --- Helpers ----------------------------------------------------------------------------------------


def _lock(guarantee: Guarantee) -> Guarantee:
    return (
        Guarantee.objects.select_for_update()
        .select_related("status", "event__voucher", "event__assistance", "assignment__provider", "current_version")
        .get(pk=guarantee.pk)
    )


def _move(guarantee: Guarantee, role: str, *, actor: Actor, reason: str = "", now: datetime) -> None:
    """Move the guarantee to the status holding ``role`` if the machine allows it (409 otherwise)."""
    GUARANTEE_MACHINE.move_to_role(
        guarantee, role, actor=actor, reason=reason, at=now, case_reference=guarantee.event.code
    )


def _require_role(guarantee: Guarantee, *roles: str, action: str) -> None:
    if guarantee.status.role not in roles:
        raise ConflictError(
            _("A guarantee in status %(status)s cannot be %(action)s.")
            % {"status": guarantee.status.code, "action": action},
            code="illegal_transition",
            extra={"from_status": guarantee.status.code},
        )


def _content_errors(data: dict, *, currency: str) -> dict:
    errors: dict = {}
    amount = data.get("amount")
    if amount is not None and amount <= 0:
        errors["amount"] = [_("The amount must be greater than zero.")]
    deductible = data.get("deductible")
    if deductible is not None and deductible < 0:
        errors["deductible"] = [_("A deductible cannot be negative.")]
    if amount is not None and deductible is not None and deductible > amount:
        errors["deductible"] = [coded(_("The deductible cannot exceed the amount."), "out_of_range")]
    errors.update(amount_errors({"amount": (amount, currency), "deductible": (deductible, currency)}))
    valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = [coded(_("The validity cannot end before it starts."), "date_out_of_range")]
    if "covered_services" in data and not (data["covered_services"] or "").strip():
        errors["covered_services"] = [_("Say what the guarantee covers.")]
    return errors


def _new_version(guarantee: Guarantee, *, data: dict, actor: Actor, is_final: bool = False) -> GuaranteeVersion:
    previous = guarantee.versions.order_by("-number").first()
    base = {name: getattr(previous, name) for name in CONTENT_FIELDS} if previous else {}
    base.update({name: value for name, value in data.items() if name in CONTENT_FIELDS})
    version = GuaranteeVersion(
        guarantee=guarantee,
        number=(previous.number + 1) if previous else 1,
        is_final=is_final,
        currency=guarantee.assignment.currency,
        issued_by=user_or_none(actor),
        issued_by_repr=str(actor)[:255] if actor is not None else "",
        **base,
    )
    version.full_clean(exclude=["guarantee", "commitment", "rate"])
    version.save()
    return version


def _conversion(guarantee: Guarantee, version: GuaranteeVersion, *, now: datetime):
    """The version's amount in the voucher's currency at the source's policy rate (None without a voucher)."""
    event = guarantee.event
    voucher = event.voucher
    if voucher is None:
        return None
    on_date = rate_date_for(
        source_code=event.source_code,
        service_date=timezone.localdate(guarantee.assignment.assigned_at),
        gop_date=timezone.localdate(now),
        purchase_date=timezone.localdate(voucher.issued_at) if voucher.issued_at else None,
    )
    return convert(version.amount, from_currency=version.currency, to_currency=voucher.currency, on_date=on_date)


def _committed_elsewhere(guarantee: Guarantee) -> Decimal:
    """What the guarantee (or its assignment) holds on the voucher now: given back when a new version is in force."""
    held = Decimal(0)
    for commitment in {
        c
        for c in (
            guarantee.current_version.commitment if guarantee.current_version else None,
            guarantee.assignment.commitment,
        )
        if c is not None
    }:
        if not commitment.released and commitment.amount is not None:
            held += commitment.amount
    return held


def _approval_reasons(guarantee: Guarantee, version: GuaranteeVersion, *, actor: Actor, now: datetime) -> list[str]:
    """Why this version needs someone else's approval (empty: the issuing operator may put it in force)."""
    reasons = []
    authority = operator_authority(user=user_or_none(actor), source_code=guarantee.event.source_code)
    if authority is None:
        reasons.append(_("The operator has no delegated authority for this source."))
    else:
        in_reference = convert(
            version.amount, from_currency=version.currency, to_currency=authority.currency, on_date=now.date()
        ).amount
        if in_reference > authority.amount:
            reasons.append(
                _("%(amount)s %(currency)s is above the operator's authority of %(limit)s %(currency)s.")
                % {"amount": in_reference, "currency": authority.currency, "limit": authority.amount}
            )
    voucher = guarantee.event.voucher
    conversion = _conversion(guarantee, version, now=now)
    if voucher is not None and conversion is not None:
        benefit = applicable_benefit(voucher=voucher, assistance=guarantee.event.assistance)
        if benefit is None:
            raise ConflictError(
                _("No benefit of voucher %(voucher)s covers %(assistance)s.")
                % {"voucher": voucher.number, "assistance": guarantee.event.assistance.code},
                code="benefit_not_covered",
            )
        usage = benefit_usage(benefit=benefit)
        if usage.limit_amount is not None:
            left = usage.remaining_amount + _committed_elsewhere(guarantee)
            if conversion.amount > left:
                reasons.append(
                    _("%(amount)s %(currency)s is above what the voucher has left (%(left)s %(currency)s).")
                    % {"amount": conversion.amount, "currency": voucher.currency, "left": left}
                )
    return reasons


def _put_in_force(guarantee: Guarantee, version: GuaranteeVersion, *, actor: Actor, now: datetime) -> None:
    """The version becomes the one the provider holds: converted, committed, its predecessor superseded."""
    conversion = _conversion(guarantee, version, now=now)
    previous = guarantee.current_version
    assignment = EventProvider.objects.select_related("commitment").get(pk=guarantee.assignment_id)
    # What was promised before (the previous version, or an amount given when the provider was
    # assigned) is given back first, so the new version is checked against the benefit alone.
    for commitment in {c for c in (previous.commitment if previous else None, assignment.commitment) if c is not None}:
        benefit_release(commitment=commitment, actor=actor)
    commitment = None
    if conversion is not None:
        voucher = guarantee.event.voucher
        original = (
            {
                "original_amount": quantize(version.amount, version.currency),
                "original_currency": version.currency,
                "rate": conversion.rate,
            }
            if conversion.rate is not None
            else {}
        )
        commitment = benefit_commit(
            voucher=voucher,
            assistance=guarantee.event.assistance,
            amount=conversion.amount,
            reference=guarantee.event.code,
            allow_over_limit=version.approval == Approval.APPROVED,
            actor=actor,
            **original,
        )
        version.voucher_amount = conversion.amount
        version.voucher_currency = voucher.currency
        version.rate = conversion.rate
    version.commitment = commitment
    version.issued_at = now
    version.save()
    if previous is not None:
        GuaranteeVersion.objects.filter(pk=previous.pk).update(superseded_at=now)
    guarantee.current_version = version
    guarantee.first_issued_at = guarantee.first_issued_at or now
    guarantee.save(update_fields=["current_version", "first_issued_at", "updated_at"])
    # The assignment shows (and the case's closing settles) what the letter in force guarantees.
    EventProvider.objects.filter(pk=assignment.pk).update(guaranteed_amount=version.amount, commitment=commitment)
    audit_record(
        action=AuditAction.UPDATE,
        instance=version,
        changes={"in_force": model_snapshot(version)},
        actor=actor,
        case_reference=guarantee.event.code,
    )


def _submit(guarantee: Guarantee, version: GuaranteeVersion, *, role: str, actor: Actor, now: datetime) -> None:
    """Put the version in force and move to ``role``, or leave it waiting for approval."""
    reasons = _approval_reasons(guarantee, version, actor=actor, now=now)
    if reasons:
        version.approval = Approval.PENDING
        version.approval_reason = "\n".join(reasons)
        version.save(update_fields=["approval", "approval_reason", "updated_at"])
        return
    _put_in_force(guarantee, version, actor=actor, now=now)
    _move(guarantee, role, actor=actor, reason=_("Version %(n)s.") % {"n": version.number}, now=now)


def _pending(guarantee: Guarantee) -> GuaranteeVersion | None:
    return guarantee.versions.filter(approval=Approval.PENDING).order_by("-number").first()


def _refuse_if_pending(guarantee: Guarantee) -> None:
    if _pending(guarantee) is not None:
        raise ConflictError(
            _("A version of this guarantee is waiting for approval; decide on it first."), code="approval_pending"
        )


def unknown_assignment() -> ValidationFailed:
    return ValidationFailed({"assignment": [coded(_("No such provider on this case."), "does_not_exist")]})


# --- Services ---------------------------------------------------------------------------------------


@transaction.atomic
def guarantee_create(*, assignment: EventProvider, data: dict, actor: Actor = None) -> Guarantee:
    """A draft guarantee for a provider on a case (version 1, not in force until issued)."""
    actor = current_actor(actor)
    assignment = (
        EventProvider.objects.select_for_update()
        .select_related("event__status", "event__voucher", "status", "provider__country")
        .get(pk=assignment.pk)
    )
    event = assignment.event
    if event.status.is_final:
        raise ConflictError(_("The case is closed."), code="case_closed")
    if assignment.status.is_final:
        raise ConflictError(_("This provider's service has ended."), code="assignment_closed")
    now = timezone.now()
    data = dict(data)
    data.setdefault("valid_from", timezone.localdate(now))
    data.setdefault("valid_until", data["valid_from"] + timedelta(days=DEFAULT_VALIDITY_DAYS))
    currency = assignment.currency or (event.voucher.currency if event.voucher_id else "")
    if not currency:
        raise ValidationFailed({"currency": [_("The provider's currency is not known: set it on the assignment.")]})
    language = data.pop("language", "") or letter_language(assignment.provider)
    recipient = data.pop("recipient_email", "") or assignment.provider.gop_email or assignment.provider.email
    errors = _content_errors(data, currency=currency)
    if language not in _LANGUAGES:
        errors["language"] = [_("Use es, pt or en.")]
    if errors:
        raise ValidationFailed(errors)
    if not assignment.currency:
        EventProvider.objects.filter(pk=assignment.pk).update(currency=currency)
        assignment.currency = currency
    guarantee = Guarantee(
        event=event,
        assignment=assignment,
        status=GUARANTEE_MACHINE.with_role(StatusRole.DRAFT),
        language=language,
        recipient_email=recipient,
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
    )
    count = Guarantee.objects.filter(event=event).count()
    guarantee.number = f"GOP-{event.code}-{count + 1}"
    guarantee.save()
    _new_version(guarantee, data=data, actor=actor)
    GUARANTEE_MACHINE.record(subject=guarantee, from_status=None, to_status=guarantee.status, actor=actor, at=now)
    audit_created(guarantee, actor=actor, case_reference=event.code)
    return guarantee


@transaction.atomic
def guarantee_update(*, guarantee: Guarantee, data: dict, actor: Actor = None) -> Guarantee:
    """Change a draft's content, or the letter's language and recipient at any time before it ends."""
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    if guarantee.status.is_final:
        raise ConflictError(_("This guarantee has ended."), code="guarantee_closed")
    data = dict(data)
    errors: dict = {}
    letter = {name: data.pop(name) for name in ("language", "recipient_email") if name in data}
    if "language" in letter and letter["language"] not in _LANGUAGES:
        errors["language"] = [_("Use es, pt or en.")]
    content = {name: value for name, value in data.items() if name in CONTENT_FIELDS}
    if content and guarantee.status.role != StatusRole.DRAFT:
        raise ConflictError(
            _("Only a draft's content can be edited; amend an issued guarantee instead."), code="not_a_draft"
        )
    draft = guarantee.versions.order_by("-number").first()
    if content and draft.approval == Approval.PENDING:
        raise ConflictError(_("The draft is waiting for approval."), code="approval_pending")
    merged = {name: getattr(draft, name) for name in CONTENT_FIELDS} | content
    errors.update(_content_errors(merged, currency=draft.currency))
    if errors:
        raise ValidationFailed(errors)
    before = model_snapshot(guarantee)
    for name, value in letter.items():
        setattr(guarantee, name, value)
    guarantee.updated_by = user_or_none(actor) or guarantee.updated_by
    guarantee.save()
    if content:
        for name, value in content.items():
            setattr(draft, name, value)
        if draft.approval == Approval.REFUSED:
            draft.approval, draft.approved_by_repr, draft.approved_at = Approval.NOT_NEEDED, "", None
        draft.full_clean(exclude=["guarantee", "commitment", "rate"])
        draft.save()
    audit_record(
        action=AuditAction.UPDATE,
        instance=guarantee,
        changes={
            "before": before,
            "after": model_snapshot(guarantee),
            "content": {k: serialize_value(v) for k, v in content.items()},
        },
        actor=actor,
        case_reference=guarantee.event.code,
    )
    return guarantee


@transaction.atomic
def guarantee_issue(*, guarantee: Guarantee, actor: Actor = None, now: datetime | None = None) -> Guarantee:
    """Issue a draft: in force at once within the operator's authority and the voucher's benefit,
    otherwise waiting for approval (the status stays draft until then)."""
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    now = now or timezone.now()
    _require_role(guarantee, StatusRole.DRAFT, action=_("issued"))
    _refuse_if_pending(guarantee)
    version = guarantee.versions.order_by("-number").first()
    if version.approval == Approval.REFUSED:
        # A refused draft is changed before it is issued again: a copy with the same content.
        version = _new_version(guarantee, data={}, actor=actor)
    version.issued_by = user_or_none(actor)
    version.issued_by_repr = str(actor)[:255] if actor is not None else ""
    version.save(update_fields=["issued_by", "issued_by_repr", "updated_at"])
    _submit(guarantee, version, role=StatusRole.ISSUED, actor=actor, now=now)
    return guarantee


@transaction.atomic
def guarantee_amend(
    *, guarantee: Guarantee, data: dict, final: bool = False, actor: Actor = None, now: datetime | None = None
) -> Guarantee:
    """A new version of an issued guarantee (``final``: the closing one, at discharge or service end).

    It supersedes the version in force once it is in force itself, which may wait for approval.
    """
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    now = now or timezone.now()
    allowed = (StatusRole.ISSUED, StatusRole.SENT, StatusRole.ACCEPTED, StatusRole.AMENDED)
    if not final:
        allowed += (StatusRole.DECLINED,)
    _require_role(guarantee, *allowed, action=_("finalised") if final else _("amended"))
    _refuse_if_pending(guarantee)
    data = {name: value for name, value in data.items() if name in CONTENT_FIELDS}
    current = guarantee.current_version
    merged = {name: getattr(current, name) for name in CONTENT_FIELDS} | data
    if errors := _content_errors(merged, currency=current.currency):
        raise ValidationFailed(errors)
    if not final and not data:
        raise ValidationFailed({"amount": [_("Change at least one thing in the new version.")]})
    version = _new_version(guarantee, data=data, actor=actor, is_final=final)
    role = StatusRole.FINAL if final else StatusRole.AMENDED
    if final or guarantee.status.role != StatusRole.AMENDED:
        GUARANTEE_MACHINE.check_transition(from_status=guarantee.status, to_code=GUARANTEE_MACHINE.with_role(role).code)
    _submit(guarantee, version, role=role, actor=actor, now=now)
    return guarantee


@transaction.atomic
def guarantee_decide(
    *, guarantee: Guarantee, approve: bool, note: str = "", actor: Actor = None, now: datetime | None = None
) -> Guarantee:
    """Approve or refuse the version waiting for approval: by an assistances-admin, or by the partner
    whose case it is (never by the operator who issued it unless they are an administrator)."""
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    now = now or timezone.now()
    source = partner_source(actor)
    if source is not None:
        if source != guarantee.event.source_code:
            # Another partner's guarantee reads as a missing one (the view's scope says so first).
            raise ConflictError(_("Not found."), code="not_found", status_code=404)
    elif not may_approve(actor):
        raise ConflictError(
            _("Only an assistances-admin or the case's partner may approve a guarantee."),
            code="permission_denied",
            status_code=403,
        )
    version = _pending(guarantee)
    if version is None:
        raise ConflictError(_("No version of this guarantee is waiting for approval."), code="nothing_to_approve")
    version.approval = Approval.APPROVED if approve else Approval.REFUSED
    version.approved_by_repr = str(actor)[:255] if actor is not None else ""
    version.approved_at = now
    version.decision_note = note
    version.save(update_fields=["approval", "approved_by_repr", "approved_at", "decision_note", "updated_at"])
    audit_record(
        action=AuditAction.APPROVAL,
        instance=version,
        changes={"approval": version.approval, "note": note, "reasons": version.approval_reason},
        actor=actor,
        case_reference=guarantee.event.code,
    )
    if approve:
        if version.number == 1 or guarantee.status.role == StatusRole.DRAFT:
            role = StatusRole.ISSUED
        else:
            role = StatusRole.FINAL if version.is_final else StatusRole.AMENDED
        _put_in_force(guarantee, version, actor=actor, now=now)
        _move(guarantee, role, actor=actor, reason=_("Version %(n)s approved.") % {"n": version.number}, now=now)
    return guarantee


@transaction.atomic
def guarantee_mark_sent(
    *, guarantee: Guarantee, recipient: str, actor: Actor = None, now: datetime | None = None
) -> Guarantee:
    """Record that the letter in force went to the provider (the e-mail itself is sent by the caller)."""
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    now = now or timezone.now()
    _require_role(
        guarantee,
        StatusRole.ISSUED,
        StatusRole.AMENDED,
        StatusRole.FINAL,
        StatusRole.SENT,
        StatusRole.ACCEPTED,
        action=_("sent"),
    )
    guarantee.sent_at = now
    guarantee.first_sent_at = guarantee.first_sent_at or now
    guarantee.recipient_email = recipient
    guarantee.reminded_at = None
    guarantee.save(update_fields=["sent_at", "first_sent_at", "recipient_email", "reminded_at", "updated_at"])
    if guarantee.status.role in (StatusRole.ISSUED, StatusRole.AMENDED):
        # A new version asks for a new answer; a final letter is for information.
        guarantee.answered_at = None
        guarantee.save(update_fields=["answered_at"])
        _move(guarantee, StatusRole.SENT, actor=actor, reason=recipient, now=now)
    return guarantee


@transaction.atomic
def guarantee_answer(
    *, guarantee: Guarantee, accept: bool, reason: str = "", actor: Actor = None, now: datetime | None = None
) -> Guarantee:
    """The provider accepts or declines the letter it was sent (through its link, or an operator records it)."""
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    now = now or timezone.now()
    _require_role(guarantee, StatusRole.SENT, action=_("accepted") if accept else _("declined"))
    if not accept and not reason.strip():
        raise ValidationFailed({"reason": [_("Say why the guarantee is declined.")]})
    guarantee.answered_at = now
    guarantee.first_answered_at = guarantee.first_answered_at or now
    guarantee.answer_reason = reason
    guarantee.save(update_fields=["answered_at", "first_answered_at", "answer_reason", "updated_at"])
    _move(guarantee, StatusRole.ACCEPTED if accept else StatusRole.DECLINED, actor=actor, reason=reason, now=now)
    return guarantee


def _release_current(guarantee: Guarantee, *, actor: Actor) -> None:
    current = guarantee.current_version
    if current is not None and current.commitment is not None:
        benefit_release(commitment=current.commitment, actor=actor)


@transaction.atomic
def guarantee_cancel(*, guarantee: Guarantee, reason: str, actor: Actor = None, now=None) -> Guarantee:
    """Withdraw the guarantee: what it committed goes back to the voucher; a pending version is refused."""
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Say why the guarantee is cancelled.")]})
    GUARANTEE_MACHINE.check_transition(
        from_status=guarantee.status, to_code=GUARANTEE_MACHINE.with_role(StatusRole.CANCELLED).code
    )
    guarantee.versions.filter(approval=Approval.PENDING).update(approval=Approval.REFUSED, decision_note=reason)
    _release_current(guarantee, actor=actor)
    _move(guarantee, StatusRole.CANCELLED, actor=actor, reason=reason, now=now)
    return guarantee


@transaction.atomic
def guarantee_close(*, guarantee: Guarantee, actor: Actor = None, now=None) -> Guarantee:
    """Close a final guarantee: its commitment stays (it is what the provider will bill against)."""
    actor = current_actor(actor)
    guarantee = _lock(guarantee)
    _move(guarantee, StatusRole.CLOSED, actor=actor, now=now or timezone.now())
    return guarantee


def guarantees_expire(*, today: date | None = None) -> int:
    """Expire every guarantee whose version in force ended before ``today`` (not final ones: they
    are what the bill is checked against). Each in its own transaction; returns how many."""
    today = today or timezone.localdate()
    expiring = GUARANTEE_MACHINE.with_role(StatusRole.EXPIRED)
    candidates = Guarantee.objects.filter(
        status__next_statuses=expiring, current_version__valid_until__lt=today
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(candidates):
        with transaction.atomic():
            guarantee = _lock(Guarantee(pk=pk))
            if guarantee.status.is_final or guarantee.current_version.valid_until >= today:
                continue
            _release_current(guarantee, actor=None)
            _move(guarantee, StatusRole.EXPIRED, actor=None, reason=_("Validity ended."), now=timezone.now())
            count += 1
    return count


# --- Delegated authority (the administrators' table) -----------------------------------------------


def authority_validate(*, instance: DelegatedAuthority, data: dict) -> None:
    """An authority is a positive amount in minor units its currency has (what the admin form checks too)."""
    amount = data.get("amount", instance.amount)
    currency = data.get("currency", instance.currency)
    errors = amount_errors({"amount": (amount, currency)})
    if amount is not None and amount <= 0:
        errors.setdefault("amount", []).append(_("The amount must be greater than zero."))
    if errors:
        raise ValidationFailed(errors)


def authority_create(*, model=DelegatedAuthority, data: dict, actor: Actor = None) -> DelegatedAuthority:
    return audited_create(model=model, data=data, actor=actor, validate=authority_validate)


def authority_update(*, instance: DelegatedAuthority, data: dict, actor: Actor = None) -> DelegatedAuthority:
    return audited_update(instance=instance, data=data, actor=actor, validate=authority_validate)


def authority_delete(*, instance: DelegatedAuthority, actor: Actor = None) -> None:
    audited_delete(instance=instance, actor=actor)
