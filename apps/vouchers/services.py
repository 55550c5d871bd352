"""Writes to vouchers: issue, update, status transitions, benefit commitments.

The API, the MOK ingestion, the admin and (later) the cases workflow call these, so every rule is
checked and every write is audited in one place.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.crud import audited_create, audited_delete, audited_update
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.core.context import current_actor, user_or_none
from apps.core.exceptions import ConflictError, ValidationFailed, coded
from apps.core.money import amount_errors
from apps.core.services import model_snapshot, model_update, serialize_value
from apps.masters.models import Assistance, ExchangeRate, StatusRole, VoucherStatus
from apps.masters.selectors import source_default_currency
from apps.masters.services import StatusMachine, source_check
from apps.vouchers.choices import DocumentType
from apps.vouchers.models import (
    BenefitCommitment,
    Voucher,
    VoucherBenefit,
    VoucherStatusHistory,
    VoucherTraveller,
    validate_currency,
)
from apps.vouchers.selectors import applicable_benefit, benefit_usage

TRAVELLER_FIELDS = ("first_name", "last_name", "document_type", "document_number", "birth_date", "is_holder")
BENEFIT_LIMIT_FIELDS = ("limit_amount", "currency", "limit_count")


def _messages(exc: DjangoValidationError) -> dict:
    """Field messages keeping their codes (``too_many_decimals`` must reach ``error_codes``)."""
    return {
        field: [coded(message, error.code or "invalid") for error in errors for message in error.messages]
        for field, errors in exc.error_dict.items()
    }


# --- Validation --------------------------------------------------------------------------------------

EARLIEST_ISSUE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def voucher_validate(*, instance: Voucher, data: dict) -> None:
    """Rules of a voucher edit beyond field validation: the validity period, the source and the status."""
    valid_from = data.get("valid_from", instance.valid_from)
    valid_to = data.get("valid_to", instance.valid_to)
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationFailed(
            {"valid_to": [coded(_("The end of validity cannot be before its start."), "date_out_of_range")]}
        )
    issued_at = data.get("issued_at")
    if issued_at is not None and issued_at < EARLIEST_ISSUE:
        # Before 2000 is a typo, and a date the operators' zone can only write with a local-mean-time
        # offset ("-03:53:48", not valid RFC 3339): the fuzzer found one. A date ahead of ours is left
        # alone: it is the issuing system's clock (MOK sends vouchers issued for trips to come).
        raise ValidationFailed({"issued_at": [coded(_("The issue date cannot be before 2000."), "date_out_of_range")]})
    if "source" in data and (instance.pk is None or data["source"] != instance.source):
        source_check(code=data["source"], field="source")  # a voucher keeps a source that went out of use
    if "status" in data:
        status = data["status"]
        if instance.pk is None:
            if status is not None and not status.is_initial:
                # Which statuses start a voucher is the catalog's (stored data), not the schema's.
                message = _("A voucher cannot start in status %(status)s.") % {"status": status.code}
                raise ValidationFailed({"status": [coded(message, "not_an_initial_status")]})
        elif status is not None and status.pk != instance.status_id:
            raise ValidationFailed({"status": [_("Change the status with a transition, which records the reason.")]})


def _benefit_errors(data: dict) -> dict:
    """Errors of one benefit's shape: one target, at least one limit, a real currency with an amount."""
    errors: dict[str, list[str]] = {}
    assistance, category = data.get("assistance"), data.get("category")
    if (assistance is None) == (category is None):
        message = _("Give either an assistance type or a category, not both.")
        errors.setdefault("assistance", []).append(coded(message, "one_of_required"))
    amount, count, currency = data.get("limit_amount"), data.get("limit_count"), data.get("currency") or ""
    if amount is None and count is None:
        message = _("Give a limit amount, a number of uses, or both.")
        errors.setdefault("limit_amount", []).append(coded(message, "one_of_required"))
    if amount is not None and amount < 0:
        errors.setdefault("limit_amount", []).append(_("The limit amount cannot be negative."))
    if amount is not None and not currency:
        errors.setdefault("currency", []).append(coded(_("A limit amount needs its currency."), "required_together"))
    if currency:
        try:
            validate_currency(currency)
        except DjangoValidationError as exc:
            errors.setdefault("currency", []).extend(
                coded(message, error.code or "invalid") for error in exc.error_list for message in error.messages
            )
    return errors


def _benefit_key(data: dict) -> tuple[str, int] | None:
    if data.get("assistance") is not None:
        return ("assistance", data["assistance"].pk)
    if data.get("category") is not None:
        return ("category", data["category"].pk)
    return None


def _benefits_errors(benefits: list[dict]) -> list[dict]:
    """Per-item errors of a list of benefits, including duplicates (one benefit per assistance or category)."""
    seen: set = set()
    all_errors = []
    for item in benefits:
        errors = _benefit_errors(item)
        key = _benefit_key(item)
        if key is not None and key in seen:
            field = key[0]
            errors.setdefault(field, []).append(_("This voucher already has a benefit for it."))
        seen.add(key)
        all_errors.append(errors)
    return all_errors


def voucher_benefit_validate(*, instance: VoucherBenefit, data: dict) -> None:
    """One benefit edited on its own (admin inline): its shape, and no second benefit for the same target."""
    merged = {
        "assistance": data.get("assistance", instance.assistance if instance.assistance_id else None),
        "category": data.get("category", instance.category if instance.category_id else None),
        **{name: data.get(name, getattr(instance, name)) for name in BENEFIT_LIMIT_FIELDS},
    }
    errors = _benefit_errors(merged)
    voucher = data.get("voucher") or (instance.voucher if instance.voucher_id else None)
    if voucher is not None and merged["currency"] and merged["currency"] != voucher.currency:
        errors.setdefault("currency", []).append(_currency_mismatch(voucher.currency))
    if merged["currency"] and (
        decimals := amount_errors({"limit_amount": (merged["limit_amount"], merged["currency"])})
    ):
        for name, messages in decimals.items():
            errors.setdefault(name, []).extend(messages)
    key = _benefit_key(merged)
    if voucher is not None and key is not None:
        clash = VoucherBenefit.objects.filter(voucher=voucher, **{key[0]: key[1]}).exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault(key[0], []).append(_("This voucher already has a benefit for it."))
    if errors:
        raise ValidationFailed(errors)


def _children_errors(rows: list[dict], model, exclude: tuple = ("voucher",)) -> list[dict]:
    errors = []
    for row in rows:
        try:
            model(**row).full_clean(exclude=list(exclude), validate_constraints=False)
            errors.append({})
        except DjangoValidationError as exc:
            errors.append(_messages(exc))
    return errors


def _by_index(item_errors: list[dict]) -> dict:
    """Errors of list items keyed by position, only for the items at fault (DRF's shape for nested lists)."""
    return {index: errors for index, errors in enumerate(item_errors) if errors}


def _validate_children(*, travellers: list[dict] | None, benefits: list[dict] | None) -> None:
    errors: dict = {}
    if travellers is not None and (traveller_errors := _by_index(_children_errors(travellers, VoucherTraveller))):
        errors["travellers"] = traveller_errors
    if benefits is not None:
        shape_errors = _benefits_errors(benefits)
        field_errors = _children_errors(benefits, VoucherBenefit)
        combined = [{**fields, **shape} for shape, fields in zip(shape_errors, field_errors, strict=True)]
        if benefit_errors := _by_index(combined):
            errors["benefits"] = benefit_errors
    if errors:
        raise ValidationFailed(errors)


# --- The voucher's currency ----------------------------------------------------------------------------


def _currency_mismatch(currency: str):
    return coded(
        _("Benefits are in the voucher's currency, %(currency)s.") % {"currency": currency}, "currency_mismatch"
    )


def _voucher_currency(*, given: str, benefits: list[dict], source: str | None) -> str:
    """The currency of a new voucher: the one given, else its benefits', else its source's default."""
    if given:
        return given.upper()
    for row in benefits:
        if row.get("currency"):
            return row["currency"].upper()
    return source_default_currency(source or "")


def _benefits_in_currency(*, currency: str, benefits: list[dict]) -> list[dict]:
    """The benefits with the voucher's currency filled in where they give none; 400 ``currency_mismatch``
    for one in another currency (a benefit keeps no currency of its own: it is the voucher's)."""
    rows, errors = [], {}
    for index, given in enumerate(benefits):
        row = dict(given)
        own = (row.get("currency") or "").upper()
        if own and own != currency:
            errors[index] = {"currency": [_currency_mismatch(currency)]}
        if row.get("limit_amount") is not None or own:
            row["currency"] = currency
        rows.append(row)
    if errors:
        raise ValidationFailed({"benefits": errors})
    return rows


def _check_currency_change(*, voucher: Voucher, currency: str, benefits: list[dict] | None) -> None:
    """A voucher changes currency only with all its benefits restated, and before any case committed any of them."""
    if currency == voucher.currency:
        return
    if voucher.currency and BenefitCommitment.objects.filter(voucher=voucher).exists():
        raise ConflictError(
            _("Cases already committed benefits of this voucher in %(currency)s.") % {"currency": voucher.currency},
            code="currency_in_use",
        )
    if benefits is None and voucher.benefits.filter(limit_amount__isnull=False).exists():
        raise ValidationFailed({"currency": [_currency_mismatch(voucher.currency or currency)]})


# --- Snapshots for the audit trail ---------------------------------------------------------------------


_TRAVELLER_DEFAULTS = {"document_type": DocumentType.PASSPORT, "birth_date": None, "is_holder": False}


def _traveller_repr(traveller: VoucherTraveller | dict) -> dict:
    if isinstance(traveller, dict):
        values = {name: traveller.get(name, _TRAVELLER_DEFAULTS.get(name)) for name in TRAVELLER_FIELDS}
    else:
        values = {name: getattr(traveller, name) for name in TRAVELLER_FIELDS}
    return {name: serialize_value(value) for name, value in values.items()}


def _benefit_repr(benefit: VoucherBenefit | dict) -> dict:
    if isinstance(benefit, dict):
        assistance, category = benefit.get("assistance"), benefit.get("category")
        limits = {name: benefit.get(name) for name in BENEFIT_LIMIT_FIELDS}
    else:
        assistance = benefit.assistance if benefit.assistance_id else None
        category = benefit.category if benefit.category_id else None
        limits = {name: getattr(benefit, name) for name in BENEFIT_LIMIT_FIELDS}
    amount = limits["limit_amount"]
    return {
        "assistance": assistance.code if assistance else None,
        "category": category.code if category else None,
        "limit_amount": str(Decimal(amount).quantize(Decimal("0.01"))) if amount is not None else None,
        "currency": limits["currency"] or "",
        "limit_count": limits["limit_count"],
    }


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))


def _voucher_snapshot(voucher: Voucher) -> dict:
    snapshot = model_snapshot(voucher)
    snapshot["travellers"] = [_traveller_repr(t) for t in voucher.travellers.order_by("id")]
    snapshot["benefits"] = [
        _benefit_repr(b) for b in voucher.benefits.select_related("assistance", "category").order_by("id")
    ]
    return snapshot


VOUCHER_MACHINE = StatusMachine(
    VoucherStatus, history=VoucherStatusHistory, subject="voucher", user="actor", nobody="system"
)


# --- Issue and update ------------------------------------------------------------------------------------


@transaction.atomic
def voucher_issue(*, data: dict, actor=None) -> Voucher:
    """Create a voucher with its travellers, benefits and destinations, in one audited write.

    ``data`` holds the model's fields (related rows as instances: ``status``, ``residence_country``,
    ``destinations``) plus optional ``travellers`` and ``benefits`` (lists of dicts with the models'
    field names; a benefit names an ``assistance`` or a ``category``). The status must be an
    initial one; it defaults to the status in force (ACTIVE as seeded). Nothing is written if anything is invalid.
    """
    actor = current_actor(actor)
    data = dict(data)
    travellers = list(data.pop("travellers", None) or [])
    benefits = list(data.pop("benefits", None) or [])
    if data.get("status") is None:
        data["status"] = VOUCHER_MACHINE.with_role(StatusRole.IN_FORCE)
    voucher = Voucher()
    voucher_validate(instance=voucher, data=data)
    data["currency"] = _voucher_currency(given=data.get("currency") or "", benefits=benefits, source=data.get("source"))
    benefits = _benefits_in_currency(currency=data["currency"], benefits=benefits)
    _validate_children(travellers=travellers, benefits=benefits)
    if data.get("number") and Voucher.objects.filter(number=data["number"]).exists():
        message = _("A voucher numbered %(number)s already exists.") % {"number": data["number"]}
        raise ConflictError(message, code="duplicate_voucher_number", extra={"errors": {"number": [message]}})

    voucher.created_by = voucher.updated_by = user_or_none(actor)
    model_update(instance=voucher, data=data)
    VoucherTraveller.objects.bulk_create([VoucherTraveller(voucher=voucher, **row) for row in travellers])
    VoucherBenefit.objects.bulk_create([VoucherBenefit(voucher=voucher, **row) for row in benefits])
    VOUCHER_MACHINE.record(subject=voucher, from_status=None, to_status=voucher.status, reason=_("Issued"), actor=actor)
    audit_record(
        action=AuditAction.CREATE, instance=voucher, changes={"after": _voucher_snapshot(voucher)}, actor=actor
    )
    return voucher


def _sync_travellers(voucher: Voucher, rows: list[dict]) -> list | None:
    """Make the travellers match ``rows`` (matched by document), keeping the rows that did not change."""
    existing = list(voucher.travellers.order_by("id"))
    before = [_traveller_repr(t) for t in existing]
    after = [_traveller_repr(row) for row in rows]
    if _sorted(before) == _sorted(after):
        return None
    by_document = {(t.document_type, t.document_number): t for t in existing}
    kept = set()
    for given in rows:
        row = {**_TRAVELLER_DEFAULTS, **given}  # the list is the complete new state: omitted means default
        current = by_document.get((row["document_type"], row["document_number"]))
        if current is None or current.pk in kept:
            VoucherTraveller.objects.create(voucher=voucher, **row)
            continue
        kept.add(current.pk)
        changed = [name for name, value in row.items() if getattr(current, name) != value]
        if changed:
            for name in changed:
                setattr(current, name, row[name])
            current.save(update_fields=changed)
    voucher.travellers.exclude(pk__in=kept).filter(pk__in=[t.pk for t in existing]).delete()
    return [before, after]


def _sync_benefits(voucher: Voucher, rows: list[dict]) -> list | None:
    """Make the benefits match ``rows`` (matched by assistance or category).

    A benefit that has commitments cannot disappear (its use would be lost): 409.
    """
    existing = list(voucher.benefits.select_related("assistance", "category").order_by("id"))
    before = [_benefit_repr(b) for b in existing]
    after = [_benefit_repr(row) for row in rows]
    if _sorted(before) == _sorted(after):
        return None
    by_key = {("assistance", b.assistance_id) if b.assistance_id else ("category", b.category_id): b for b in existing}
    wanted = set()
    for row in rows:
        key = _benefit_key(row)
        wanted.add(key)
        current = by_key.get(key)
        if current is None:
            VoucherBenefit.objects.create(voucher=voucher, **row)
            continue
        limits = {name: row.get(name, "" if name == "currency" else None) for name in BENEFIT_LIMIT_FIELDS}
        limits["currency"] = limits["currency"] or ""
        changed = [name for name, value in limits.items() if getattr(current, name) != value]
        if changed:
            for name in changed:
                setattr(current, name, limits[name])
            current.save(update_fields=changed)
    removed = [b for key, b in by_key.items() if key not in wanted]
    if removed:
        in_use = BenefitCommitment.objects.filter(benefit__in=removed).values_list("benefit_id", flat=True)
        if in_use:
            codes = sorted({b.target_code for b in removed if b.pk in set(in_use)})
            raise ConflictError(
                _("Benefits already used by cases cannot be removed: %(codes)s.") % {"codes": ", ".join(codes)},
                code="benefit_in_use",
            )
        VoucherBenefit.objects.filter(pk__in=[b.pk for b in removed]).delete()
    return [before, after]


@transaction.atomic
def voucher_update(*, voucher: Voucher, data: dict, actor=None) -> Voucher:
    """Change a voucher's fields and, when given, replace its travellers and benefits (audited, once).

    ``data`` has the shape of ``voucher_issue``'s; ``travellers`` and ``benefits``, when present,
    are the complete new lists. The status is not changed here (see ``voucher_transition``).
    Nothing is audited when nothing changed.
    """
    actor = current_actor(actor)
    data = dict(data)
    travellers = data.pop("travellers", None)
    benefits = data.pop("benefits", None)
    if "status" in data and data["status"] is not None and data["status"].pk == voucher.status_id:
        data.pop("status")
    voucher_validate(instance=voucher, data=data)
    if data.get("currency"):
        data["currency"] = data["currency"].upper()
    else:
        data.pop("currency", None)  # an update that names no currency keeps the voucher's
    currency = data.get("currency", voucher.currency)
    if benefits is not None:
        benefits = _benefits_in_currency(currency=currency, benefits=list(benefits))
    _validate_children(travellers=travellers, benefits=benefits)
    # Serialize with commitments on the same voucher (benefit_commit locks the same row).
    Voucher.objects.select_for_update().filter(pk=voucher.pk).values_list("pk").first()
    _check_currency_change(voucher=voucher, currency=currency, benefits=benefits)

    user = user_or_none(actor)
    if user is not None:
        voucher.updated_by = user
    changes = model_update(instance=voucher, data=data)
    if travellers is not None and (diff := _sync_travellers(voucher, list(travellers))):
        changes["travellers"] = diff
    if benefits is not None and (diff := _sync_benefits(voucher, list(benefits))):
        changes["benefits"] = diff
    if changes:
        if set(changes) <= {"travellers", "benefits"}:
            # Only related rows changed: still mark the voucher as changed (conditional GETs, sync).
            voucher.save(update_fields=["updated_at", "updated_by"])
        audit_record(action=AuditAction.UPDATE, instance=voucher, changes=changes, actor=actor)
    return voucher


def voucher_delete(*, voucher: Voucher, actor=None) -> None:
    """Delete a voucher (refused with 409 while commitments refer to its benefits)."""
    audited_delete(instance=voucher, actor=actor)


# --- Status transitions ---------------------------------------------------------------------------------


@transaction.atomic
def voucher_transition(*, voucher: Voucher, to_code: str, reason: str = "", actor=None) -> Voucher:
    """Move a voucher to another status if the voucher status machine allows it; record history and audit.

    An unknown status is a 400 (``validation_error``, ``does_not_exist`` on ``status``); a move the
    machine does not allow from the current status is a 409 (``illegal_transition``): see
    :class:`~apps.masters.services.StatusMachine`. The row is locked so two concurrent moves are
    checked one after the other.
    """
    actor = current_actor(actor)
    locked = Voucher.objects.select_for_update().select_related("status").get(pk=voucher.pk)
    from_status = locked.status
    to_status = VOUCHER_MACHINE.check_transition(from_status=from_status, to_code=to_code)
    locked.status = to_status
    update_fields = ["status", "updated_at"]
    if user_or_none(actor) is not None:
        locked.updated_by = user_or_none(actor)
        update_fields.append("updated_by")
    locked.save(update_fields=update_fields)
    VOUCHER_MACHINE.record(subject=locked, from_status=from_status, to_status=to_status, reason=reason, actor=actor)
    audit_record(
        action=AuditAction.UPDATE,
        instance=locked,
        changes={"status": [from_status.code, to_status.code], "reason": reason},
        actor=actor,
    )
    # The caller's object follows the row.
    voucher.status, voucher.status_id, voucher.updated_at = to_status, to_status.pk, locked.updated_at
    return locked


# --- Travellers and benefits edited one by one (admin inlines) ------------------------------------------


def voucher_traveller_create(*, data: dict, actor=None) -> VoucherTraveller:
    return audited_create(model=VoucherTraveller, data=data, actor=actor)


def voucher_traveller_update(*, instance: VoucherTraveller, data: dict, actor=None) -> VoucherTraveller:
    return audited_update(instance=instance, data=data, actor=actor)


def voucher_traveller_delete(*, instance: VoucherTraveller, actor=None) -> None:
    audited_delete(instance=instance, actor=actor)


def voucher_benefit_create(*, data: dict, actor=None) -> VoucherBenefit:
    return audited_create(model=VoucherBenefit, data=data, actor=actor, validate=voucher_benefit_validate)


def voucher_benefit_update(*, instance: VoucherBenefit, data: dict, actor=None) -> VoucherBenefit:
    return audited_update(instance=instance, data=data, actor=actor, validate=voucher_benefit_validate)


def voucher_benefit_delete(*, instance: VoucherBenefit, actor=None) -> None:
    """Refused (409) once a case has committed part of the benefit."""
    audited_delete(instance=instance, actor=actor)


# --- Commitments ----------------------------------------------------------------------------------------


@transaction.atomic
def benefit_commit(
    *,
    voucher: Voucher,
    assistance: Assistance,
    amount: Decimal | None = None,
    count: int = 1,
    reference: str,
    original_amount: Decimal | None = None,
    original_currency: str = "",
    rate: ExchangeRate | None = None,
    allow_over_limit: bool = False,
    actor=None,
) -> BenefitCommitment:
    """Promise part of the benefit that covers ``assistance`` to a case (``reference``).

    ``amount`` is in the voucher's currency (its benefits'). A guarantee given in another currency
    arrives converted, with ``original_amount``/``original_currency`` and the ``rate`` row used, which
    the commitment keeps. The voucher row is locked, so two cases committing
    at once are checked one after the other and cannot together exceed the limit. Raises
    ConflictError ``benefit_not_covered`` without a benefit, ``benefit_limit_exceeded`` when the
    amount or the number of uses would go over what is left, unless ``allow_over_limit`` (a guarantee
    above the benefit that the partner or an administrator approved).
    """
    actor = current_actor(actor)
    if amount is not None and amount <= 0:
        raise ValidationFailed({"amount": [_("The amount must be greater than zero.")]})
    if count < 0 or (count == 0 and amount is None):
        raise ValidationFailed({"count": [_("Commit at least one use or an amount.")]})
    if errors := amount_errors({"amount": (amount, voucher.currency)}):
        raise ValidationFailed(errors)
    Voucher.objects.select_for_update().filter(pk=voucher.pk).values_list("pk").first()
    benefit = applicable_benefit(voucher=voucher, assistance=assistance)
    if benefit is None:
        raise ConflictError(
            _("No benefit of voucher %(voucher)s covers %(assistance)s.")
            % {"voucher": voucher.number, "assistance": assistance.code},
            code="benefit_not_covered",
        )
    usage = benefit_usage(benefit=benefit)
    over_amount = usage.limit_amount is not None and (
        usage.committed_amount + amount > usage.limit_amount
        if amount is not None
        else usage.committed_amount >= usage.limit_amount
    )
    over_count = usage.limit_count is not None and usage.committed_count + count > usage.limit_count
    if (over_amount or over_count) and not allow_over_limit:
        raise ConflictError(
            _("The benefit for %(target)s has not enough left.") % {"target": benefit.target_code},
            code="benefit_limit_exceeded",
            extra={
                "remaining_amount": serialize_value(usage.remaining_amount),
                "remaining_count": usage.remaining_count,
                "currency": usage.currency,
            },
        )
    return audited_create(
        model=BenefitCommitment,
        data={
            "voucher": voucher,
            "benefit": benefit,
            "amount": amount,
            "count": count,
            "reference": reference,
            "original_amount": original_amount,
            "original_currency": original_currency,
            "rate": rate,
        },
        actor=actor,
        case_reference=reference,
    )


@transaction.atomic
@transaction.atomic
def benefit_settle(*, commitment: BenefitCommitment, amount: Decimal, actor=None) -> BenefitCommitment:
    """Lower a commitment to what the service really cost: the rest goes back to the benefit.

    Never raises it (a cost above the guarantee is the bills' business, not the benefit's), and a
    commitment without an amount (uses only) or already released is left as it is.
    """
    actor = current_actor(actor)
    Voucher.objects.select_for_update().filter(pk=commitment.voucher_id).values_list("pk").first()
    commitment.refresh_from_db()
    if commitment.released or commitment.amount is None or amount >= commitment.amount:
        return commitment
    if amount < 0:
        raise ValidationFailed({"amount": [_("The amount cannot be negative.")]})
    return audited_update(
        instance=commitment, data={"amount": amount}, actor=actor, case_reference=commitment.reference
    )


def benefit_release(*, commitment: BenefitCommitment, actor=None) -> BenefitCommitment:
    """Give a commitment's amount and uses back to the benefit. Releasing twice changes nothing."""
    actor = current_actor(actor)
    Voucher.objects.select_for_update().filter(pk=commitment.voucher_id).values_list("pk").first()
    commitment.refresh_from_db()
    if commitment.released:
        return commitment
    return audited_update(
        instance=commitment,
        data={"released": True, "released_at": timezone.now()},
        actor=actor,
        case_reference=commitment.reference,
    )
