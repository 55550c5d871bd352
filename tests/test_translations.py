"""The Spanish catalog is complete and the committed .mo matches its .po (operators work in Spanish)."""

import subprocess
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "es" / "LC_MESSAGES"


def test_every_string_is_translated_and_the_mo_is_current(tmp_path):
    compiled = tmp_path / "django.mo"
    # msgfmt comes with gettext, which scripts/system-deps.sh installs.
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(compiled), str(LOCALE / "django.po")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    assert compiled.read_bytes() == (LOCALE / "django.mo").read_bytes(), "run `make messages` and commit locale/"


# --- nothing the console shows escapes translation ------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Units and symbols read the same in both languages.
NEUTRAL = {"km", "min", "h", "SLA", "USD", "&rsaquo;", "—"}


def _visible_text(html: str) -> tuple[list[str], list[str]]:
    """Words a reader sees in a template once its tags, variables and translated blocks are set aside."""
    import re

    for pattern in (
        r"{%\s*block bodyclass\s*%}.*?{%\s*endblock\s*%}",
        r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}",
        r"{#.*?#}",
        r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}",
        r"{%.*?%}",
        r"{{.*?}}",
        r"<script.*?</script>",
        r"<style.*?</style>",
        r"<!--.*?-->",
    ):
        html = re.sub(pattern, " ", html, flags=re.S)
    attributes = [
        value
        for value in re.findall(r'(?:title|aria-label|placeholder|alt)="([^"]*)"', html)
        if re.search(r"[A-Za-z]{2,}", value)
    ]
    # Class names that a template builds from a variable ("app-{{ ... }}") are not text.
    text = re.sub(r'class="[^"]*"', " ", html)
    text = re.sub(r"<[^>]*>", " ", text)
    words = [word for word in text.split() if re.search(r"[A-Za-z]{2,}", word) and word not in NEUTRAL]
    return words, attributes


def test_console_templates_have_no_untranslated_text():
    found = {}
    for path in TEMPLATES.rglob("*.html"):
        words, attributes = _visible_text(path.read_text())
        if words or attributes:
            found[str(path.relative_to(TEMPLATES))] = words + attributes
    assert found == {}, f"text outside {{% translate %}}: {found}"


def test_every_admin_label_is_translatable():
    """Field, model and admin column labels go through gettext (a bare string would show in English)."""
    from django.apps import apps
    from django.contrib import admin
    from django.utils.functional import Promise

    bare = []
    # Every model of ours (inlines show models the admin does not register), but the search index's
    # rows, which no page shows.
    for model in apps.get_models():
        if not model.__module__.startswith("apps.") or model._meta.label == "providers.LocationService":
            continue
        for name in ("verbose_name", "verbose_name_plural"):
            if not isinstance(getattr(model._meta, name), Promise):
                bare.append(f"{model._meta.label}.{name}")
        for field in model._meta.get_fields():
            label = getattr(field, "verbose_name", None)
            concrete = getattr(field, "concrete", False) and not field.auto_created
            if label is not None and concrete and not isinstance(label, Promise):
                bare.append(f"{model._meta.label}.{field.name}")
    for model_admin in admin.site._registry.values():
        for column in model_admin.list_display:
            method = getattr(model_admin, column, None) if isinstance(column, str) else column
            description = getattr(method, "short_description", None)
            if description is not None and not isinstance(description, Promise):
                bare.append(f"{type(model_admin).__name__}.{column}")
    assert bare == []
