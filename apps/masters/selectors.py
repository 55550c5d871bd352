"""Reads of the catalogs, shaped for their consumers (API lists, status checks)."""

from django.db.models import Prefetch, QuerySet

from apps.masters.models import STATUS_MODELS, Assistance, Category, City, Country, Source, StatusBase


def category_list() -> QuerySet[Category]:
    """Categories with their assistance types, in two queries whatever the count."""
    return Category.objects.prefetch_related(
        Prefetch("assistances", queryset=Assistance.objects.order_by("sort_order", "code"))
    ).order_by("sort_order", "code")


def status_list(model: type[StatusBase]) -> QuerySet[StatusBase]:
    return model.objects.prefetch_related(
        Prefetch("next_statuses", queryset=model.objects.only("id", "code").order_by("sort_order", "code"))
    ).order_by("sort_order", "code")


def country_list() -> QuerySet[Country]:
    return Country.objects.order_by("name_es")


def city_list(*, country: Country) -> QuerySet[City]:
    return City.objects.filter(country=country).select_related("country").order_by("-population", "pk")


def source_choices() -> list[tuple[str, str]]:
    """Every source as (code, name in the active language), in catalog order (inactive ones too: old rows use them).

    Form fields and filters take the function itself as their choices, so they are read when used, not at import.
    """
    return [(source.code, source.name) for source in Source.objects.order_by("sort_order", "code")]


def active_source_codes() -> list[str]:
    return list(Source.objects.filter(is_active=True).order_by("sort_order", "code").values_list("code", flat=True))


def source_is_usable(code: str) -> bool:
    """Whether new cases, vouchers and API clients may take ``code`` (a known, active source)."""
    return bool(code) and Source.objects.filter(code=code, is_active=True).exists()


def source_receives_tracking(code: str) -> bool:
    return bool(code) and Source.objects.filter(code=code, receives_tracking=True).exists()


def status_allows(model: type[StatusBase], *, from_code: str, to_code: str) -> bool:
    """Whether the machine allows ``from_code`` → ``to_code`` (compares codes, never ids)."""
    return model.objects.filter(code=from_code, next_statuses__code=to_code).exists()


def status_machine_problems(model: type[StatusBase]) -> list[str]:
    """Consistency problems of a status machine: what an operator must fix in the admin.

    At least one initial and one final status; final statuses lead nowhere; every non-final
    status leads somewhere; every status is reachable from an initial one; every role the
    machine's services read is held by a status.
    """
    statuses = {s.code: s for s in status_list(model)}
    problems = []
    if not any(s.is_initial for s in statuses.values()):
        problems.append("no initial status")
    if not any(s.is_final for s in statuses.values()):
        problems.append("no final status")
    edges = {code: [n.code for n in s.next_statuses.all()] for code, s in statuses.items()}
    for code, status in statuses.items():
        if status.is_final and edges[code]:
            problems.append(f"final status {code} has next statuses")
        if not status.is_final and not edges[code]:
            problems.append(f"status {code} is a dead end but not final")
    reached = {code for code, s in statuses.items() if s.is_initial}
    frontier = list(reached)
    while frontier:
        for nxt in edges[frontier.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    problems.extend(f"status {code} is unreachable" for code in sorted(set(statuses) - reached))
    held = {s.role for s in statuses.values()}
    problems.extend(f"no status has the role {role}" for role in model.ROLES if role not in held)
    return problems


def all_status_machine_problems() -> dict[str, list[str]]:
    return {model._meta.label_lower: status_machine_problems(model) for model in STATUS_MODELS}


def source_default_currency(code: str) -> str:
    """The currency of a source's vouchers when the partner names none (USD for an unknown source)."""
    return Source.objects.filter(code=code).values_list("default_currency", flat=True).first() or "USD"
