"""API key material: generated here, shown once, stored only as a SHA-256 digest.

A key is 32 random bytes (256 bits) in URL-safe base64 behind a fixed marker, so a plain hash is
enough (no salt or slow hash: nothing to brute-force) and the digest can be a unique, indexed
column looked up on every request. The first characters are kept in clear to tell keys apart.
"""

import hashlib
import re
import secrets

KEY_MARKER = "bta_"
PREFIX_LENGTH = 12  # the marker and 8 random characters: enough to recognise a key, useless to guess it
# What a well-formed key looks like; anything else is refused before touching the database.
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")


def generate_key() -> str:
    return KEY_MARKER + secrets.token_urlsafe(32)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("ascii")).hexdigest()


def key_prefix(plaintext: str) -> str:
    return plaintext[:PREFIX_LENGTH]


def is_well_formed(value: str | None) -> bool:
    return bool(value) and KEY_SHAPE.fullmatch(value) is not None
