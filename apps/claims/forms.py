"""The bill's invoice data and lines as typed by an operator (console) or the provider (upload link)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BillEntryForm(forms.Form):
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=60)
    invoice_date = forms.DateField(label=_("Invoice date"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(label=_("Currency"), max_length=3, widget=forms.TextInput(attrs={"size": 3}))
    billed_total = forms.DecimalField(label=_("Total billed"), max_digits=14, decimal_places=4)
    file = forms.FileField(
        label=_("The bill (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class BillLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=500)
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=3, initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=4)
    billed_amount = forms.DecimalField(
        label=_("Billed"), max_digits=14, decimal_places=4, required=False, help_text=_("Empty: quantity × unit price.")
    )


BillLineFormSet = forms.formset_factory(BillLineForm, extra=5, min_num=1, validate_min=True)


def bill_lines(formset) -> list[dict]:
    """The filled lines as ``bills.bill_create`` takes them (an empty billed amount: quantity × unit price)."""
    return [
        {
            **line,
            "billed_amount": line["billed_amount"]
            if line.get("billed_amount") is not None
            else line["quantity"] * line["unit_price"],
        }
        for line in formset.cleaned_data
        if line
    ]
