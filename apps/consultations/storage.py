"""The private storage of phone-consultation files (the "assists" alias of ``STORAGES``).

Model fields keep a lazy proxy rather than a storage instance, so the backend is the one the
settings name when a file is saved or read (and a settings change, in tests, takes effect).
"""

from django.core.files.storage import storages
from django.utils.functional import LazyObject, empty

STORAGE_ALIAS = "assists"


class AssistsStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[STORAGE_ALIAS]


assists_storage = AssistsStorage()


def get_assists_storage():
    """The callable given to ``FileField(storage=...)`` (keeps migrations free of a concrete backend)."""
    return assists_storage


def reset_assists_storage(*, setting, **kwargs) -> None:
    """``setting_changed`` receiver: Django drops its storages when STORAGES changes; drop our proxy too."""
    if setting == "STORAGES":
        assists_storage._wrapped = empty
