"""Admin plumbing that routes every admin write through the owning app's services.

The Django admin normally saves models itself; here ``save_model``, ``save_formset`` and the
delete hooks hand the submitted values to the service functions, so an edit in the admin is
validated, stamped and audited exactly like the same edit through the API or a command.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models

from apps.core.exceptions import ApplicationError


def _form_field_names(form, instance: models.Model) -> list[str]:
    model_fields = {f.name for f in instance._meta.get_fields() if getattr(f, "concrete", False)}
    return [name for name in form.fields if name in model_fields]


def _value_for(form, instance: models.Model, name: str):
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return list(form.cleaned_data.get(name) or [])
    return getattr(instance, name)


def _sync_saved(target: models.Model, saved: models.Model) -> None:
    """Make the admin's in-memory object point at the row the service saved."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


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
            errors = exc.extra.get("errors") or {}
            for field, messages_ in errors.items():
                target = field if field in self.fields else None
                for message in messages_:
                    self.add_error(target, ValidationError(message))
            if not errors:
                self.add_error(None, ValidationError(exc.message))


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
        _sync_saved(obj, saved)

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
