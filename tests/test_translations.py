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
