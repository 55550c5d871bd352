"""Settings for the benchmarks' gunicorn: the test settings, plus the bench-only URLs (bare baseline views)."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
