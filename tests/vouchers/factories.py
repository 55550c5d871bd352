import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from apps.masters.models import Assistance, Country, VoucherStatus
from apps.vouchers.choices import DocumentType
from apps.vouchers.models import BenefitCommitment, Voucher, VoucherBenefit, VoucherTraveller
from tests.masters.factories import CountryFactory


def status(code: str) -> VoucherStatus:
    return VoucherStatus.objects.get(code=code)


def country(iso2: str) -> Country:
    """The country with that code (created on first use: the test database has no countries)."""
    existing = Country.objects.filter(iso2=iso2).first()
    return existing or CountryFactory(iso2=iso2, iso3=f"{iso2}X", name_en=f"Country {iso2}", name_es=f"País {iso2}")


def assistance(code: str) -> Assistance:
    return Assistance.objects.select_related("category").get(code=code)


class VoucherFactory(factory.django.DjangoModelFactory):
    """An ACTIVE voucher valid from five days ago for a month (no destinations unless given)."""

    class Meta:
        model = Voucher
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"V-{n:07d}")
    product_code = "GOLD150"
    product_name = "Gold 150"
    source = "KOM"
    currency = "USD"
    # Sequences, not random names: a random "Pérez" would make name-search tests flaky.
    holder_name = factory.Sequence(lambda n: f"Titular {n}")
    holder_document_type = DocumentType.PASSPORT
    holder_document_number = factory.Sequence(lambda n: f"H{n:07d}")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=5))
    valid_to = factory.LazyAttribute(lambda o: o.valid_from + datetime.timedelta(days=30))
    worldwide = False
    status = factory.LazyFunction(lambda: status("ACTIVE"))

    @factory.post_generation
    def destinations(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.destinations.set(extracted)


class TravellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoucherTraveller

    voucher = factory.SubFactory(VoucherFactory)
    first_name = factory.Sequence(lambda n: f"Nombre{n}")
    last_name = factory.Sequence(lambda n: f"Apellido{n}")
    document_type = DocumentType.PASSPORT
    document_number = factory.Sequence(lambda n: f"T{n:07d}")
    birth_date = datetime.date(1985, 6, 1)


class BenefitFactory(factory.django.DjangoModelFactory):
    """A USD 1,000 benefit for emergency care unless told otherwise."""

    class Meta:
        model = VoucherBenefit

    voucher = factory.SubFactory(VoucherFactory)
    assistance = factory.LazyFunction(lambda: assistance("MED_EMERGENCY"))
    category = None
    limit_amount = Decimal("1000.00")
    currency = "USD"
    limit_count = None


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BenefitCommitment

    benefit = factory.SubFactory(BenefitFactory)
    voucher = factory.LazyAttribute(lambda o: o.benefit.voucher)
    amount = Decimal("100.00")
    count = 1
    reference = factory.Sequence(lambda n: f"CASE-{n}")
