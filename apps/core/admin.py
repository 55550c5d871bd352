"""Admin plumbing shared by the apps: writes through the owning app's services, and large changelists.

The Django admin normally saves models itself; here ``save_model``, ``save_formset`` and the
delete hooks hand the submitted values to the service functions, so an edit in the admin is
validated, stamped and audited exactly like the same edit through the API or a command.

A changelist over a table of hundreds of thousands of rows pays for a full COUNT on every page and
for a page query that sorts every joined row; ``LargeTablePaginator`` avoids both (measured on the
cases changelist, see ``apps.assistances.admin``).
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.exceptions import ApplicationError


class ReadOnlyAdminMixin:
    """For a model admin or an inline whose rows only the services write (trails, feeds, history).

    ``obj=None`` on add as well: a ModelAdmin asks with the request alone, an inline with the parent.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AssignedUserFilter(admin.SimpleListFilter):
    """Rows assigned to the operator looking at the list, or to nobody (the work still to be taken).

    Made by :func:`assigned_user_filter` for a ForeignKey to the user (``user_field``).
    """

    parameter_name = "mine"
    user_field: str

    def lookups(self, request, model_admin):
        return [("1", _("me")), ("none", _("nobody"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(**{self.user_field: request.user})
        if self.value() == "none":
            return queryset.filter(**{f"{self.user_field}__isnull": True})
        return queryset


def assigned_user_filter(user_field: str, title) -> type[AssignedUserFilter]:
    """The "me / nobody" changelist filter on ``user_field``, headed ``title``."""
    return type("AssignedUserFilter", (AssignedUserFilter,), {"title": title, "user_field": user_field})


def _form_field_names(form, instance: models.Model) -> list[str]:
    model_fields = {f.name for f in instance._meta.get_fields() if getattr(f, "concrete", False)}
    return [name for name in form.fields if name in model_fields]


def _value_for(form, instance: models.Model, name: str):
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return list(form.cleaned_data.get(name) or [])
    return getattr(instance, name)


def sync_saved(target: models.Model, saved: models.Model) -> None:
    """Make the admin's in-memory object point at the row the service saved."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def show_refusal(form: forms.BaseForm, exc: ApplicationError) -> None:
    """A service's refusal on the form that asked for it: field errors under their field, the rest at the top."""
    errors = exc.extra.get("errors") or {}
    for name, problems in errors.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, str(problem))
    if not errors:
        form.add_error(None, ValidationError(exc.message))


class ServiceAdminForm(forms.ModelForm):
    """Runs the service's validation in the form, so a refused edit shows as a form error, not a crash."""

    service_validate: Callable | None = None

    def _post_clean(self):
        super()._post_clean()
        validate = type(self).service_validate
        if validate is None or self.errors:
            return
        data = {name: self.cleaned_data.get(name) for name in self.changed_data if name in self.cleaned_data}
        try:
            validate(instance=self.instance, data=data)
        except ApplicationError as exc:
            show_refusal(self, exc)


class ServiceModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes go through ``service_create`` / ``service_update`` / ``service_delete``.

    The three hooks take the service functions' keyword signatures:
    ``create(model=, data=, actor=)``, ``update(instance=, data=, actor=)``, ``delete(instance=, actor=)``.
    Inlines use the same hooks (inline admins declare their own).
    """

    service_create: Callable
    service_update: Callable
    service_delete: Callable

    def _service(self, owner, name: str) -> Callable:
        return getattr(type(owner), name)

    def _save(self, owner, request, form, obj: models.Model, change: bool) -> None:
        if change:
            data = {
                name: _value_for(form, obj, name) for name in form.changed_data if name in _form_field_names(form, obj)
            }
            fresh = type(obj)._default_manager.get(pk=obj.pk)
            saved = self._service(owner, "service_update")(instance=fresh, data=data, actor=request.user)
        else:
            data = {name: _value_for(form, obj, name) for name in _form_field_names(form, obj)}
            for field in obj._meta.concrete_fields:
                # The parent link of an inline row is set on the object, not in the form.
                parent_link = field.is_relation and field.editable and field.name not in ("created_by", "updated_by")
                if parent_link and field.name not in data and getattr(obj, field.attname) is not None:
                    data[field.name] = getattr(obj, field.name)
            saved = self._service(owner, "service_create")(model=type(obj), data=data, actor=request.user)
        sync_saved(obj, saved)

    def save_model(self, request, obj, form, change):
        self._save(self, request, form, obj, change)

    def save_related(self, request, form, formsets, change):
        # Many-to-many values were applied by the service; only the inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        inline = next((i for i in self.get_inline_instances(request) if i.model is formset.model), self)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            self._service(inline, "service_delete")(instance=obj, actor=request.user)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            obj = inline_form.instance
            self._save(inline, request, inline_form, obj, change=obj.pk is not None and not obj._state.adding)
        formset.save_m2m = lambda: None

    def delete_model(self, request, obj):
        self.service_delete(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.service_delete(instance=obj, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)


def _table_rows_estimate(model) -> int | None:
    """InnoDB's own row estimate for the model's table (no scan); None where the database has none."""
    if connection.vendor != "mysql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


class LargeTablePaginator(Paginator):
    """Pages of a large table without a full COUNT, rows read by primary key.

    * Unfiltered, the count is the table's estimate when it is large (the changelist shows the
      approximate total; a page past the real end is refused like any invalid page). Filtered lists
      are counted exactly, through their indexes.
    * A page is chosen on the primary keys alone (an index-only read in the list's order, plus the
      joins its filters need), then its rows are loaded by primary key with their related objects.
    """

    ESTIMATE_ABOVE = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, models.QuerySet) and not queryset.query.where:
            estimate = _table_rows_estimate(queryset.model)
            if estimate is not None and estimate > self.ESTIMATE_ABOVE:
                return estimate
        return super().count

    def _get_page(self, object_list, number, paginator) -> Page:
        if not isinstance(self.object_list, models.QuerySet):
            return super()._get_page(object_list, number, paginator)
        ids = list(object_list.values_list("pk", flat=True))
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        return super()._get_page([rows[pk] for pk in ids if pk in rows], number, paginator)


class ConflictGuardMixin:
    """No silent overwrites: a change form saved over someone else's newer save is refused.

    The change page carries the row's version as it was when the page was drawn (``_seen_version``,
    a hidden input); the save compares it with the row now. When they differ, nothing is written and
    the operator sees, field by field, the value saved meanwhile beside theirs, who saved it and
    when, and chooses: reload the current values, or save theirs over it knowingly.

    The version is ``version_field`` when the model keeps one (cases: the same number the API's
    ETag/If-Match use), else the last-change time every ``BaseModel`` has.
    """

    version_field: str | None = None
    conflict_template = "admin/conflict.html"

    def row_version(self, obj) -> str:
        if self.version_field:
            return str(getattr(obj, self.version_field))
        return obj.updated_at.isoformat() if obj.updated_at else ""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):  # noqa: PLR0917 (Django's signature)
        if change and obj is not None:
            # A redisplay after a validation error keeps the version the operator started from.
            context["seen_version"] = request.POST.get("_seen_version") or self.row_version(obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id and "_seen_version" in request.POST:
            obj = self.get_object(request, object_id)
            if obj is not None and request.POST["_seen_version"] != self.row_version(obj):
                return self.conflict_response(request, obj)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def conflict_response(self, request, obj):
        form_class = self.get_form(request, obj, change=True)
        form = form_class(request.POST, request.FILES, instance=obj)
        form.is_valid()  # only to read the submitted values; nothing is saved
        rows = []
        for name in form.changed_data:
            field = form.fields[name]
            rows.append(
                {
                    "label": field.label or name,
                    "saved": _display(field, form.initial.get(name)),
                    "yours": _display(field, form.cleaned_data.get(name, form.data.get(name))),
                }
            )
        resubmit = [
            (key, value)
            for key, values in request.POST.lists()
            if key not in ("csrfmiddlewaretoken", "_seen_version")
            for value in values
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Someone else saved this %(name)s first") % {"name": self.opts.verbose_name},
            "opts": self.opts,
            "original": obj,
            "rows": rows,
            "saved_by": getattr(obj, "updated_by", None),
            "saved_at": getattr(obj, "updated_at", None),
            "resubmit": resubmit,
            "current_version": self.row_version(obj),
            "change_url": request.get_full_path(),
        }
        return TemplateResponse(request, self.conflict_template, context, status=409)


def _display(field, value) -> str:
    """A value as the form shows it: a choice's label, a related row's name, '—' for nothing."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(field, "queryset"):  # a related row by its key (never iterate the choices: cities)
        keys = value if isinstance(value, (list, tuple)) else [value]
        return ", ".join(str(row) for row in field.queryset.filter(pk__in=keys)) or str(value)
    if isinstance(value, (list, tuple, models.QuerySet)):
        return ", ".join(str(v) for v in value)
    labels = {str(key): label for key, label in getattr(field, "choices", None) or [] if not isinstance(label, list)}
    return str(labels.get(str(value), value))
