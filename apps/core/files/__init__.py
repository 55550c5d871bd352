"""Stored files: the one home of every private file the API takes in and hands out.

Phone-consultation files and MOK issuance documents use it; guarantee letters and invoices are next.
Each kind of file is a model that inherits ``StoredFile`` (its owner, its bucket, its key prefix)
and a ``FileRules`` that says what its content must be and how large it may be. The rest is shared:

* ``storage``  - one lazy storage per named bucket (an alias of ``STORAGES``: S3 in production,
  a local folder with signed links under ``make run`` and the tests, ``local``);
* ``formats``  - what a file really is, judged by its first bytes (never by its name);
* ``services`` - the add service: size limit, content check, same content stored once, audit;
* ``selectors`` - the short-lived download URL of a stored file;
* ``api``      - the upload and download-URL views' shared half, and the upload's OpenAPI schema;
* ``admin``    - a read-only inline of an owner's files, with links that redirect to the file.
"""
