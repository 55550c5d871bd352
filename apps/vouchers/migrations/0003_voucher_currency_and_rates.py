"""Vouchers get a currency of their own; a commitment keeps the rate that converted its guarantee.

Existing vouchers take their benefits' currency (the one with the most benefit rows when they
disagree, which the services did not forbid before); a voucher without amounts takes its source's
``default_currency`` (masters 0005: USD for every source, MOK's and KOM's contracts are in dollars),
and USD for a source code that is not in the catalog.
"""

import django.db.models.deletion
from django.db import migrations, models

import apps.vouchers.models

FALLBACK_CURRENCY = "USD"


def fill_voucher_currency(apps, schema_editor):
    Voucher = apps.get_model("vouchers", "Voucher")
    VoucherBenefit = apps.get_model("vouchers", "VoucherBenefit")
    Source = apps.get_model("masters", "Source")
    per_source = dict(Source.objects.values_list("code", "default_currency"))
    counts: dict = {}
    for voucher_id, currency in VoucherBenefit.objects.exclude(currency="").values_list("voucher_id", "currency"):
        counts.setdefault(voucher_id, {}).setdefault(currency, 0)
        counts[voucher_id][currency] += 1
    for voucher in Voucher.objects.filter(currency="").only("pk", "source").iterator(chunk_size=2000):
        found = counts.get(voucher.pk)
        if found:
            currency = max(sorted(found), key=lambda code: found[code])
        else:
            currency = per_source.get(voucher.source, FALLBACK_CURRENCY)
        Voucher.objects.filter(pk=voucher.pk).update(currency=currency)
    # Benefits with an amount in another currency than the voucher's are left as they were: converting
    # them would need a rate of the issue date, which is a business decision, not a migration's.


class Migration(migrations.Migration):
    dependencies = [
        ("masters", "0005_exchange_rates"),
        ("vouchers", "0002_alter_voucher_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="benefitcommitment",
            name="original_amount",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="original amount"
            ),
        ),
        migrations.AddField(
            model_name="benefitcommitment",
            name="original_currency",
            field=models.CharField(blank=True, max_length=3, verbose_name="original currency"),
        ),
        migrations.AddField(
            model_name="benefitcommitment",
            name="rate",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="commitments",
                to="masters.exchangerate",
                verbose_name="exchange rate",
            ),
        ),
        migrations.AddField(
            model_name="voucher",
            name="currency",
            field=models.CharField(
                default="", max_length=3, validators=[apps.vouchers.models.validate_currency], verbose_name="currency"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_voucher_currency, migrations.RunPython.noop),
    ]
