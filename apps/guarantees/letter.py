"""The guarantee-of-payment letter as a PDF, in the provider's language (es, pt or en).

Library: ReportLab, not WeasyPrint. ReportLab installs as a wheel (its only native part is bundled),
so the python:3.11-slim image built from docker/ needs nothing more; WeasyPrint needs pango, harfbuzz
and fontconfig from apt in the image, in scripts/system-deps.sh and on every CI machine, for a
one-page letter that has no need of CSS layout.

Font: Liberation Sans 2.1.5 (SIL Open Font License, apps/guarantees/fonts/OFL.txt), vendored because
the PDF base fonts are not embedded and only speak WinAnsi (no "Ł" or "Ż"), and the Vera font that
ReportLab ships has no "Ż" either. Liberation covers Latin Extended-A (ñ, ã, ç, Ł, Ż, ő...), and
ReportLab embeds the subset of glyphs the letter uses, so the PDF stays small and prints the same
anywhere.

Texts: one Django template per language, apps/guarantees/templates/guarantees/letter_<language>.html,
written in a small HTML subset that a non-programmer can edit: <h1>, <h2>, <p> (class "small" for fine
print, "large" for the amount), <hr>, <qr> (the verification QR code) and <footer> (repeated at the
foot of every page); inside them <b>, <i>, <br>, <a href>. Its labels are not gettext-translated: the
letter is in the provider's language, whatever the operator's. The templates get the fields of
``LetterContent``, the money and dates already written out (below), and ``amount_in_words``.

Figures: the ISO code, then the amount at the currency's minor unit (``apps.core.money``), with
"." for thousands and "," for decimals in es and pt (most Spanish-speaking countries, Brazil and
Portugal), "," and "." in en: "MXN 12.500,00", "CLP 1.250.000", "USD 12,500.00". Mexico and Peru
group the English way; the amount in words beside the figures removes any doubt.
Dates: "5 de marzo de 2026", "5 de março de 2026", "5 March 2026"; the issue time in UTC.
"""

import datetime
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from django.template import Context, Engine
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, HRFlowable, Paragraph, SimpleDocTemplate

from apps.core.money import quantize
from apps.guarantees.words import amount_in_words

LANGUAGES = ("es", "pt", "en")
HERE = Path(__file__).resolve().parent
FONT = "LiberationSans"
# language -> (thousands separator, decimal separator, month names)
_FORMATS = {
    "es": (".", ",", "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"),
    "pt": (".", ",", "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro"),
    "en": (",", ".", "January February March April May June July August September October November December"),
}
_DATE_PATTERN = {"es": "{d} de {m} de {y}", "pt": "{d} de {m} de {y}", "en": "{d} {m} {y}"}
_BLOCK = re.compile(r'<(h1|h2|p|footer)(?:\s+class="(\w+)")?\s*>(.*?)</\1>|<hr\s*/?>|<qr\s*/?>', re.S)


@dataclass(frozen=True)
class LetterContent:
    """What one version of a letter says. ``amount``, ``voucher_amount`` and ``deductible`` are exact in
    their currencies (``deductible`` is in ``currency``); ``rate`` is how many ``voucher_currency`` one
    unit of ``currency`` is worth (voucher_amount = amount × rate); ``verify_url`` is absolute. A
    ``deductible`` of None or 0 and an empty ``exclusions`` or ``provider_address`` leave their lines out,
    as does a ``voucher_amount`` in the letter's own currency."""

    language: str
    case_code: str
    traveller_name: str
    provider_name: str
    provider_address: str
    provider_country: str
    amount: Decimal
    currency: str
    voucher_amount: Decimal | None
    voucher_currency: str
    rate: Decimal | None
    valid_from: datetime.date
    valid_until: datetime.date
    covered_services: str
    exclusions: str
    deductible: Decimal | None
    version: int
    is_final: bool
    verification_code: str
    verify_url: str
    issued_by: str
    issued_at: datetime.datetime
    source_name: str


def _number(value: Decimal, language: str) -> str:
    thousands, decimal, _ = _FORMATS[language]
    # Decimal's own formatting (no float): "12,500.00", then the language's separators swapped in.
    return f"{value:,f}".translate(str.maketrans({",": thousands, ".": decimal}))


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """An amount as the letter prints it, at its minor unit: "MXN 12.500,00" (es, pt), "MXN 12,500.00" (en)."""
    return f"{currency} {_number(quantize(amount, currency), language)}"


def format_date(value: datetime.date, language: str) -> str:
    months = _FORMATS[language][2].split()
    return _DATE_PATTERN[language].format(d=value.day, m=months[value.month - 1], y=value.year)


def _template_context(content: LetterContent) -> dict:
    lang = content.language
    issued_at = content.issued_at
    if issued_at.tzinfo is not None:
        issued_at = issued_at.astimezone(datetime.UTC)
    context = asdict(content)
    context.update(
        amount=format_money(content.amount, content.currency, lang),
        amount_in_words=amount_in_words(content.amount, content.currency, lang),
        valid_from=format_date(content.valid_from, lang),
        valid_until=format_date(content.valid_until, lang),
        issued_at=f"{format_date(issued_at, lang)}, {issued_at:%H:%M} UTC",
        deductible=format_money(content.deductible, content.currency, lang) if content.deductible else "",
        voucher_amount="",
        rate="",
    )
    # The equivalent only means something in another currency.
    if content.voucher_amount is not None and content.voucher_currency != content.currency:
        context["voucher_amount"] = format_money(content.voucher_amount, content.voucher_currency, lang)
        if content.rate is not None:
            # The rate as stored (up to 10 decimals), trailing zeros dropped, never rounded to a currency.
            rate = _number(content.rate.normalize(), lang)
            context["rate"] = f"1 {content.currency} = {rate} {content.voucher_currency}"
    return context


@cache
def _engine() -> Engine:
    # An engine of its own: the letter does not depend on INSTALLED_APPS nor on the site's templates,
    # and autoescaping turns "&" or "<" in a name into the entities ReportLab's markup expects.
    return Engine(dirs=[HERE / "templates"], autoescape=True)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles, once the font is registered (ReportLab's font registry is process-wide)."""
    for face, file in (("", "Regular"), ("-Bold", "Bold"), ("-Italic", "Italic")):
        pdfmetrics.registerFont(TTFont(FONT + face, HERE / "fonts" / f"LiberationSans-{file}.ttf"))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=f"{FONT}-Bold", italic=f"{FONT}-Italic", boldItalic=f"{FONT}-Bold"
    )
    body = ParagraphStyle("p", fontName=FONT, fontSize=10, leading=14, spaceAfter=4)
    return {
        "p": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=11),
        "large": ParagraphStyle("large", parent=body, fontSize=13, leading=17),
        "h1": ParagraphStyle("h1", parent=body, fontName=f"{FONT}-Bold", fontSize=18, leading=22, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=body, fontName=f"{FONT}-Bold", fontSize=11, spaceBefore=8, spaceAfter=2),
        "footer": ParagraphStyle("footer", parent=body, fontSize=7, leading=9),
    }


def _qr(url: str) -> Flowable:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    size = 28 * mm
    # initialFontName: the drawing would otherwise name Helvetica, which the PDF does not embed.
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0], initialFontName=FONT)
    drawing.add(widget)
    return drawing


def _flowables(markup: str, content: LetterContent) -> tuple[list[Flowable], str]:
    """The template's blocks as ReportLab flowables, and the footer's markup."""
    styles = _styles()
    story, footer = [], ""
    leftover = _BLOCK.sub("", markup).strip()
    if leftover:
        # A typo in a template (an unclosed <p>) would otherwise drop text from the letter silently.
        raise ValueError(f"Letter template text outside <h1>/<h2>/<p>/<footer>: {leftover[:80]!r}")
    for match in _BLOCK.finditer(markup):
        tag, css_class, inner = match.groups()
        inner = re.sub(r"<br\s*/?>", "<br/>", (inner or "").strip())
        if match.group(0).startswith("<hr"):
            story.append(HRFlowable(width="100%", thickness=mm / 4, spaceBefore=4, spaceAfter=4))
        elif match.group(0).startswith("<qr"):
            story.append(_qr(content.verify_url))
        elif tag == "footer":
            footer = inner
        elif inner:
            story.append(Paragraph(inner, styles[css_class or tag]))
    return story, footer


def render_letter(content: LetterContent) -> bytes:
    """The letter as PDF bytes, from the template of ``content.language``."""
    if content.language not in LANGUAGES:
        raise ValueError(f"No letter template for language {content.language!r}.")
    template = _engine().get_template(f"guarantees/letter_{content.language}.html")
    story, footer = _flowables(template.render(Context(_template_context(content))), content)
    footer_style = _styles()["footer"]

    def draw_footer(canvas, doc):
        paragraph = Paragraph(footer, footer_style)
        _, height = paragraph.wrap(doc.width, doc.bottomMargin)
        paragraph.drawOn(canvas, doc.leftMargin, doc.bottomMargin - height - 4 * mm)

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=22 * mm,
        title=f"{content.case_code} v{content.version}",
        author=content.issued_by,
        subject=content.verification_code,
        creator="Bigtree Assist",
        lang=content.language,
        # Otherwise every page names Helvetica, a font the PDF does not embed, even if no text uses it.
        initialFontName=FONT,
    )
    document.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()
