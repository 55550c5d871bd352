"""An amount of money in words, as a guarantee letter writes it next to the figures.

num2words spells the numbers; it only ever receives ``int`` (the whole part and the minor units
counted as an integer), because with a non-integer it goes through ``float``. Its ``to="currency"``
is not used: it knows no "unidad de fomento", has no ``currency`` argument in ``pt_BR``, and names
currencies ambiguously ("pesos", "dólares"). Currency names are ours, below, with their grammatical
gender, since Spanish and Portuguese numerals agree with the noun ("doscientas libras", "duas libras").

One convention per language:

- ``es``: the cents as a fraction, as cheques and invoices write them in Latin America, always present
  so nothing can be appended: "mil doscientos cincuenta pesos mexicanos con 50/100", "... con 00/100".
- ``en``: the same, US cheque style (no "and" inside the number, no commas): "one thousand two hundred
  fifty US dollars and 50/100".
- ``pt`` (Brazilian numerals: "bilhão", not Portugal's "mil milhões"): the cents in words, as Brazilian
  documents write them, left out when zero: "mil duzentos e cinquenta reais e cinquenta centavos".
  A currency whose minor unit is not 2, or whose sub-unit we cannot name, takes the fraction: "e 2500/10000".

Minor units come from ``apps.core.money`` (CLP and PYG none, so no cents part; CLF 4: "con 2500/10000").
An unknown currency is written as its ISO code. A round million takes "de": "un millón de pesos".
"""

from decimal import Decimal

from num2words import num2words

from apps.core.money import has_too_many_decimals, minor_units, quantize

# language -> code -> (singular, plural, feminine)
CURRENCY_NAMES: dict[str, dict[str, tuple[str, str, bool]]] = {
    "es": {
        "USD": ("dólar estadounidense", "dólares estadounidenses", False),
        "EUR": ("euro", "euros", False),
        "MXN": ("peso mexicano", "pesos mexicanos", False),
        "ARS": ("peso argentino", "pesos argentinos", False),
        "BRL": ("real brasileño", "reales brasileños", False),
        "CLP": ("peso chileno", "pesos chilenos", False),
        "PYG": ("guaraní", "guaraníes", False),
        "CLF": ("unidad de fomento", "unidades de fomento", True),
        "COP": ("peso colombiano", "pesos colombianos", False),
        "PEN": ("sol", "soles", False),
        "UYU": ("peso uruguayo", "pesos uruguayos", False),
        "GBP": ("libra esterlina", "libras esterlinas", True),
    },
    "pt": {
        "USD": ("dólar americano", "dólares americanos", False),
        "EUR": ("euro", "euros", False),
        "MXN": ("peso mexicano", "pesos mexicanos", False),
        "ARS": ("peso argentino", "pesos argentinos", False),
        "BRL": ("real", "reais", False),
        "CLP": ("peso chileno", "pesos chilenos", False),
        "PYG": ("guarani", "guaranis", False),
        "CLF": ("unidade de fomento", "unidades de fomento", True),
        "COP": ("peso colombiano", "pesos colombianos", False),
        "PEN": ("sol", "sóis", False),
        "UYU": ("peso uruguaio", "pesos uruguaios", False),
        "GBP": ("libra esterlina", "libras esterlinas", True),
    },
    "en": {
        "USD": ("US dollar", "US dollars", False),
        "EUR": ("euro", "euros", False),
        "MXN": ("Mexican peso", "Mexican pesos", False),
        "ARS": ("Argentine peso", "Argentine pesos", False),
        "BRL": ("Brazilian real", "Brazilian reais", False),
        "CLP": ("Chilean peso", "Chilean pesos", False),
        "PYG": ("Paraguayan guarani", "Paraguayan guaranis", False),
        "CLF": ("unidad de fomento", "unidades de fomento", False),
        "COP": ("Colombian peso", "Colombian pesos", False),
        "PEN": ("Peruvian sol", "Peruvian soles", False),
        "UYU": ("Uruguayan peso", "Uruguayan pesos", False),
        "GBP": ("pound sterling", "pounds sterling", False),
    },
}

# Portuguese sub-units (singular, plural), for the currencies with 2 decimals whose sub-unit has a name.
PT_SUBUNITS = {
    "USD": ("centavo", "centavos"),
    "MXN": ("centavo", "centavos"),
    "ARS": ("centavo", "centavos"),
    "BRL": ("centavo", "centavos"),
    "COP": ("centavo", "centavos"),
    "EUR": ("cêntimo", "cêntimos"),
    "PEN": ("cêntimo", "cêntimos"),
    "UYU": ("centésimo", "centésimos"),
    "GBP": ("penny", "pence"),
}

_NUM2WORDS_LANG = {"es": "es", "pt": "pt_BR", "en": "en"}
_CENTS_JOIN = {"es": "con", "pt": "e", "en": "and"}


def _is_scale_noun(word: str) -> bool:
    """Millón, milhões...: nouns, so they take "de" before the currency and keep their own gender."""
    return word.endswith(("llón", "llones", "lhão", "lhões"))


def _spell(number: int, language: str, *, feminine: bool) -> list[str]:
    """The words of a non-negative integer, agreed with the noun that follows it."""
    words = num2words(number, lang=_NUM2WORDS_LANG[language]).replace(",", "").split()
    if language == "en":
        return [word for word in words if word != "and"]
    # Numerals after the last "millón"/"milhão" agree with the currency; before it, with that noun.
    last_scale = max((i for i, word in enumerate(words) if _is_scale_noun(word)), default=-1)
    agreed = []
    for i, word in enumerate(words):
        fem = feminine and i > last_scale
        if language == "es":
            # "uno" shortens before any noun or "mil": "veintiún mil", "un dólar", "una libra".
            spelt = {"uno": "una" if fem else "un", "veintiuno": "veintiuna" if fem else "veintiún"}.get(word, word)
            plural_hundreds = "ientos"
        else:
            spelt = {"um": "uma", "dois": "duas"}.get(word, word) if fem else word
            plural_hundreds = "entos"
        if fem and spelt.endswith(plural_hundreds):  # "doscientas", "duzentas"
            spelt = spelt[: -len("os")] + "as"
        agreed.append(spelt)
    return agreed


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """``amount`` of ``currency`` in words in ``language`` ("es", "pt" or "en"), conventions as above.

    Refuses (ValueError) a negative amount, one with more decimals than the currency has (a letter
    states exactly what was guaranteed, so it never rounds), and an unknown language.
    """
    if language not in _NUM2WORDS_LANG:
        raise ValueError(f"No amount-in-words convention for language {language!r}.")
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"The amount must be a finite Decimal, not {amount!r}.")
    if amount < 0:
        raise ValueError(f"A guaranteed amount cannot be negative: {amount}.")
    code = (currency or "").upper()
    if has_too_many_decimals(amount, code):
        raise ValueError(f"{amount} has more decimals than {code} allows.")

    places = minor_units(code)
    exact = quantize(amount, code)
    whole = int(exact)
    cents = int((exact - whole).scaleb(places))
    singular, plural, feminine = CURRENCY_NAMES[language].get(code, (code, code, False))

    words = _spell(whole, language, feminine=feminine)
    if language != "en" and words and _is_scale_noun(words[-1]):
        words.append("de")
    words.append(singular if whole == 1 else plural)

    if places:
        fraction = f"{cents:0{places}d}/{10**places}"
        if language != "pt":
            words += [_CENTS_JOIN[language], fraction]
        elif cents:
            subunit = PT_SUBUNITS.get(code) if places == 2 else None
            if subunit is None:
                words += ["e", fraction]
            else:
                words += ["e", *_spell(cents, language, feminine=False), subunit[0] if cents == 1 else subunit[1]]
    return " ".join(words)
