"""Settings of the gunicorn that the usage-plan end-to-end test starts: the test settings, the probe URLs."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.clients.usage_urls"
