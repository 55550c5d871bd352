import unicodedata


def ascii_fold(text: str) -> str:
    """'Bogotá' → 'Bogota', for accent-insensitive search on every database backend."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
