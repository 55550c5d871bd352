"""The private storage of MOK issuance documents (the "issuance" alias of ``STORAGES``).

Model fields keep a lazy proxy rather than a storage instance, so the backend is the one the
settings name when a file is saved or read (and a settings change, in tests, takes effect).
"""

from django.core.files.storage import storages
from django.utils.functional import LazyObject, empty

STORAGE_ALIAS = "issuance"


class IssuanceStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[STORAGE_ALIAS]


issuance_storage = IssuanceStorage()


def get_issuance_storage():
    """The callable given to ``FileField(storage=...)`` (keeps migrations free of a concrete backend)."""
    return issuance_storage


def reset_issuance_storage(*, setting, **kwargs) -> None:
    """``setting_changed`` receiver: Django drops its storages when STORAGES changes; drop our proxy too."""
    if setting == "STORAGES":
        issuance_storage._wrapped = empty
