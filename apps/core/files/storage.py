"""One storage per named bucket (an alias of ``STORAGES``), as file fields and services use it.

Model fields keep a lazy proxy rather than a storage instance, so the backend is the one the
settings name when a file is saved or read: S3 in production, a local folder with signed links
under ``make run`` and the tests (``apps.core.files.local``), and whatever a test's settings
override puts there, at once. Migrations record ``Bucket("<alias>")``, never a concrete backend.
"""

from django.core.files.storage import storages
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty


class BucketStorage(LazyObject):
    """The storage ``STORAGES[alias]`` names, resolved on first use and again after a settings change."""

    def __init__(self, alias: str):
        # Straight into __dict__: LazyObject's __setattr__ would hand the attribute to the wrapped storage.
        self.__dict__["_bucket_alias"] = alias
        super().__init__()

    def _setup(self):
        self._wrapped = storages[self.__dict__["_bucket_alias"]]

    # One proxy per alias, shared: a copy (a field or form being copied) is the proxy itself, so
    # ``reset_bucket_storages`` reaches every holder.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


_buckets: dict[str, BucketStorage] = {}


def bucket_storage(alias: str) -> BucketStorage:
    """The (lazy) storage of one bucket; the same proxy for every caller of an alias."""
    if alias not in _buckets:
        _buckets[alias] = BucketStorage(alias)
    return _buckets[alias]


@deconstructible(path="apps.core.files.storage.Bucket")
class Bucket:
    """``FileField(storage=Bucket("assists"))``: a callable, so the field holds the lazy proxy and
    migrations serialise the bucket's alias rather than a backend."""

    def __init__(self, alias: str):
        self.alias = alias

    def __call__(self) -> BucketStorage:
        return bucket_storage(self.alias)

    def __eq__(self, other) -> bool:
        return isinstance(other, Bucket) and other.alias == self.alias

    def __hash__(self) -> int:
        return hash(self.alias)


def reset_bucket_storages(*, setting, **kwargs) -> None:
    """``setting_changed`` receiver: Django drops its storages when STORAGES changes; drop our proxies too."""
    if setting == "STORAGES":
        for proxy in _buckets.values():
            proxy._wrapped = empty
