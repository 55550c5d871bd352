"""Every admin page renders for an administrator (a smoke test that catches broken admin declarations)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.masters.factories import CityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_changelist_add_and_change_pages_render(admin_browser, model):
    CityFactory()
    opts = model._meta
    assert admin_browser.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    add = admin_browser.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)  # 403 where adding is not allowed (audit log)
    obj = model._default_manager.first()
    if obj is not None:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_browser.get(url).status_code == 200


def test_admin_is_spanish_by_default_and_english_on_request(admin_browser):
    assert "Catálogos" in admin_browser.get("/admin/").content.decode()
    assert "Catalogs" in admin_browser.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
