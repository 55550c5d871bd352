"""Settings for the storm benchmark's processes: the production settings, plus one bench-only URL
(the bare case-opening view of ``bench/storm_urls.py``), which production must never serve."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.storm_urls"
