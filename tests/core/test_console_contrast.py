"""The console's state colours are readable (WCAG AA, 4.5:1) on the admin's light and dark backgrounds."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "apps" / "core" / "static" / "console" / "console.css").read_text()
LIGHT_BACKGROUND, DARK_BACKGROUND = "#ffffff", "#121212"  # Django admin's --body-bg in each theme
AA = 4.5


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _palette(selector: str) -> dict[str, str]:
    """The --sla-* / --note-* colours declared in every rule whose selector is exactly ``selector``."""
    colours = {}
    for body in re.findall(rf"(?m)^{re.escape(selector)}\s*{{([^}}]*)}}", CSS):
        colours.update(re.findall(r"(--(?:sla|note)-[a-z-]+):\s*(#[0-9a-fA-F]{6})\b", body))
    return colours


LIGHT = _palette(":root")
DARK = _palette(':root[data-theme="dark"]')


def test_both_themes_declare_the_same_colours():
    assert set(LIGHT) == set(DARK) and len(LIGHT) >= 4


@pytest.mark.parametrize("name", sorted(LIGHT))
def test_light_theme_colour_is_readable(name):
    assert _contrast(LIGHT[name], LIGHT_BACKGROUND) >= AA, (name, LIGHT[name])


@pytest.mark.parametrize("name", sorted(DARK))
def test_dark_theme_colour_is_readable(name):
    assert _contrast(DARK[name], DARK_BACKGROUND) >= AA, (name, DARK[name])
