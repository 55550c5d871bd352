"""The guarantee letter: amounts in words (es, pt, en) and the PDF, read back with poppler.

pdftotext, pdftoppm and pdffonts come with poppler-utils, which scripts/system-deps.sh installs. Page 1
of each letter is kept as a PNG in var/test-artifacts/ for a human to look at.
"""

import ast
import datetime
import struct
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from apps.guarantees.letter import LetterContent, render_letter
from apps.guarantees.words import amount_in_words
from tests.core.test_no_float import _floats

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = ROOT / "var" / "test-artifacts"


# --- amounts in words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "amount", "currency", "words"),
    [
        ("es", "1250.50", "MXN", "mil doscientos cincuenta pesos mexicanos con 50/100"),
        ("es", "21", "USD", "veintiún dólares estadounidenses con 00/100"),
        ("es", "21000", "ARS", "veintiún mil pesos argentinos con 00/100"),
        ("es", "21", "GBP", "veintiuna libras esterlinas con 00/100"),
        ("es", "1000000", "MXN", "un millón de pesos mexicanos con 00/100"),
        ("es", "0.05", "EUR", "cero euros con 05/100"),
        ("es", "12345", "CLP", "doce mil trescientos cuarenta y cinco pesos chilenos"),
        ("es", "12.25", "CLF", "doce unidades de fomento con 2500/10000"),
        ("es", "1500000", "PYG", "un millón quinientos mil guaraníes"),
        ("es", "1250.50", "XYZ", "mil doscientos cincuenta XYZ con 50/100"),
        ("pt", "1250.50", "BRL", "mil duzentos e cinquenta reais e cinquenta centavos"),
        ("pt", "21", "BRL", "vinte e um reais"),
        ("pt", "1.01", "BRL", "um real e um centavo"),
        ("pt", "1000000", "BRL", "um milhão de reais"),
        ("pt", "0.05", "EUR", "zero euros e cinco cêntimos"),
        ("pt", "250000", "CLP", "duzentos e cinquenta mil pesos chilenos"),
        ("pt", "12.2500", "CLF", "doze unidades de fomento e 2500/10000"),
        ("pt", "222", "GBP", "duzentas e vinte e duas libras esterlinas"),
        ("pt", "1250.50", "XYZ", "mil duzentos e cinquenta XYZ e 50/100"),
        ("en", "1250.50", "USD", "one thousand two hundred fifty US dollars and 50/100"),
        ("en", "21", "usd", "twenty-one US dollars and 00/100"),
        ("en", "1000000", "USD", "one million US dollars and 00/100"),
        ("en", "0.05", "GBP", "zero pounds sterling and 05/100"),
        ("en", "1", "GBP", "one pound sterling and 00/100"),
        ("en", "12345", "CLP", "twelve thousand three hundred forty-five Chilean pesos"),
        ("en", "12.2500", "CLF", "twelve unidades de fomento and 2500/10000"),
        ("en", "1250.50", "XYZ", "one thousand two hundred fifty XYZ and 50/100"),
    ],
)
def test_amount_in_words(language, amount, currency, words):
    assert amount_in_words(Decimal(amount), currency, language) == words


@pytest.mark.parametrize(
    ("amount", "currency", "language"),
    [
        (Decimal("-1"), "USD", "es"),  # a guarantee is never negative
        (Decimal("10.5"), "CLP", "es"),  # more decimals than the currency: never rounded away
        (Decimal("1.001"), "USD", "en"),
        (Decimal("NaN"), "USD", "en"),
        ("12.50", "USD", "en"),  # Decimal only
        (Decimal(1), "USD", "fr"),
    ],
)
def test_amount_in_words_refuses(amount, currency, language):
    with pytest.raises(ValueError):
        amount_in_words(amount, currency, language)


@pytest.mark.parametrize("module", ["apps/guarantees/words.py", "apps/guarantees/letter.py"])
def test_letter_code_uses_no_float(module):
    assert _floats(ast.parse((ROOT / module).read_text(encoding="utf-8"))) == []


# --- the PDF ------------------------------------------------------------------------------------------

TRAVELLER = "Łukasz Żółć Muñoz"


def _content(language: str, **changes) -> LetterContent:
    values = {
        "language": language,
        "case_code": "BT-2026-000123",
        "traveller_name": TRAVELLER,
        "provider_name": "Clínica São João & Hijos <SA>",
        "provider_address": "Av. Insurgentes Sur 1234\nCol. Del Valle",
        "provider_country": "México",
        "amount": Decimal("12500.50"),
        "currency": "MXN",
        "voucher_amount": Decimal("726.77"),
        "voucher_currency": "USD",
        "rate": Decimal("0.0581395349"),
        "valid_from": datetime.date(2026, 3, 5),
        "valid_until": datetime.date(2026, 3, 20),
        "covered_services": "Consulta médica y estudios de laboratorio.\nMedicamentos recetados.",
        "exclusions": "Tratamientos estéticos.",
        "deductible": Decimal("500"),
        "version": 2,
        "is_final": True,
        "verification_code": "K7Q2-9XPM",
        "verify_url": "https://assist.example.com/v/K7Q2-9XPM?lang=es&src=pdf",
        "issued_by": "María Peña",
        "issued_at": datetime.datetime(2026, 3, 5, 14, 30, tzinfo=datetime.UTC),
        "source_name": "Seguros O'Higgins",
    }
    return LetterContent(**(values | changes))


def _poppler(tool: str, *args: str) -> bytes:
    return subprocess.run([tool, *args], capture_output=True, check=True, timeout=60).stdout


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    # Line breaks fall wherever the layout puts them: compare with whitespace collapsed.
    return " ".join(_poppler("pdftotext", "-enc", "UTF-8", str(path), "-").decode().split())


EXPECTED = {
    "es": [
        "Garantía de pago — FINAL",
        "MXN 12.500,50",
        "doce mil quinientos pesos mexicanos con 50/100",
        "USD 726,77 (tipo de cambio: 1 MXN = 0,0581395349 USD)",
        "Deducible o copago a cargo del viajero: MXN 500,00",
        "Del 5 de marzo de 2026 al 20 de marzo de 2026",
        "Verifique esta carta en https://assist.example.com/v/K7Q2-9XPM?lang=es&src=pdf",
    ],
    "pt": [
        "Garantia de pagamento — FINAL",
        "MXN 12.500,50",
        "doze mil e quinhentos pesos mexicanos e cinquenta centavos",
        "USD 726,77 (taxa de câmbio: 1 MXN = 0,0581395349 USD)",
        "De 5 de março de 2026 a 20 de março de 2026",
        "Verifique esta carta em https://assist.example.com/v/K7Q2-9XPM?lang=es&src=pdf",
    ],
    "en": [
        "Guarantee of payment — FINAL",
        "MXN 12,500.50",
        "twelve thousand five hundred Mexican pesos and 50/100",
        "USD 726.77 (exchange rate: 1 MXN = 0.0581395349 USD)",
        "From 5 March 2026 to 20 March 2026",
        "Verify this letter at https://assist.example.com/v/K7Q2-9XPM?lang=es&src=pdf",
    ],
}


@pytest.mark.parametrize("language", ["es", "pt", "en"])
def test_letter_reads_back_in_its_language(language, tmp_path):
    pdf = render_letter(_content(language))
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf, tmp_path)
    for expected in [*EXPECTED[language], TRAVELLER, "BT-2026-000123", "K7Q2-9XPM", "Clínica São João & Hijos <SA>"]:
        assert expected in text, f"{expected!r} not in {text!r}"

    # Every font is embedded, so the accents print the same on the provider's machine.
    fonts = _poppler("pdffonts", str(tmp_path / "letter.pdf")).decode().splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts

    # Page 1 as a picture for humans, and a sanity check that it is an A4 page with something on it.
    page_args = ["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile"]
    _poppler("pdftoppm", *page_args, str(tmp_path / "letter.pdf"), str(tmp_path / "page"))
    png = (tmp_path / "page.png").read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert abs(width - 413) <= 2 and abs(height - 585) <= 2  # A4 (210 × 297 mm) at 50 dpi, give or take rounding
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS_DIR / f"guarantee-letter-{language}.png").write_bytes(png)


def test_optional_parts_are_left_out(tmp_path):
    content = _content(
        "en", is_final=False, voucher_amount=None, rate=None, deductible=None, exclusions="", provider_address=""
    )
    text = _text(render_letter(content), tmp_path)
    assert "Guarantee of payment Case" in text and "FINAL" not in text
    for absent in ("Equivalent to", "Deductible", "Exclusions", "Insurgentes"):
        assert absent not in text
    # Same currency: no equivalent to show, even when given.
    text = _text(render_letter(_content("en", voucher_amount=Decimal("10"), voucher_currency="MXN")), tmp_path)
    assert "Equivalent to" not in text


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        render_letter(_content("fr"))
