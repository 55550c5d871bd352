"""The columns every stored file has, and where its object goes.

A concrete model adds its owner (a ForeignKey, named in ``owner_field``) and whatever else it
records, and names its bucket (``storage_bucket``, an alias of ``STORAGES``); its objects' keys
begin with ``storage_folder`` (the app's label unless named). A partner sees the files of the
owners it may see. Keys are random: the client's file name is free text and never becomes part of
a path; only the extension of the detected format is kept.
"""

import re
import uuid
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.files.storage import Bucket
from apps.core.models import BaseModel
from apps.core.visibility import OwnedQuerySet

_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def stored_file_key(instance: "StoredFile", filename: str) -> str:
    """``upload_to`` of every stored file: ``<prefix>/<random hex><extension of filename>``.

    The add service names the file after its detected format (``pdf.pdf``), so that is the only
    part of a name that reaches the key. Historical (migration) models have no ``storage_prefix``:
    a data migration that writes files builds its keys itself.
    """
    match = _EXTENSION.search(filename or "")
    extension = match.group(0).lower() if match else ""
    return f"{instance.storage_prefix()}/{uuid.uuid4().hex}{extension}"


class BucketFileField(models.FileField):
    """A FileField in the bucket its model names in ``storage_bucket``.

    A field inherited from an abstract model is otherwise the same for every subclass; here each
    concrete model's copy takes that model's bucket. Migrations see a plain FileField on
    ``Bucket("<alias>")``, so they need nothing but the alias.
    """

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        alias = getattr(cls, "storage_bucket", None)
        if alias is not None and not cls._meta.abstract:
            self._storage_callable = Bucket(alias)
            self.storage = self._storage_callable()

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.FileField", args, kwargs


class StoredFile(BaseModel):
    """A private file, checked by its content before it was stored, and what that check found.

    ``sha256`` is the digest of the content: the same content uploaded again for the same owner
    is not stored twice. ``original_name`` is the client's file name reduced to a harmless label;
    ``content_type`` the detected format's, never the client's.
    """

    storage_bucket: ClassVar[str]  # the alias in STORAGES
    storage_folder: ClassVar[str | None] = None  # the first part of every key; None: the app's label
    owner_field: ClassVar[str]  # the ForeignKey to what the file belongs to

    file = BucketFileField(_("file"), upload_to=stored_file_key, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def storage_prefix(self) -> str:
        """The folder of this file's key in its bucket: ``<storage_folder>/<owner id>`` (``mok/12``).

        Only ids reach the key: names (the caller's file name, MOK's issuance id) are free text.
        """
        owner_id = getattr(self, self._meta.get_field(self.owner_field).attname)
        return f"{self.storage_folder or self._meta.app_label}/{owner_id}"
