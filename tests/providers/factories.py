import factory

from apps.providers.models import Provider, ProviderLocation, ProviderPaymentMethod, ProviderType
from apps.providers.services import search_index_rebuild
from tests.masters.factories import CountryFactory


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        skip_postgeneration_save = True

    display_name = factory.Sequence(lambda n: f"Provider {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.display_name} S.A.")
    tax_id = factory.Sequence(lambda n: f"TAX-{n:06d}")
    country = factory.SubFactory(CountryFactory)
    provider_type = ProviderType.CLINIC
    rating = 4

    @factory.post_generation
    def assistances(self, create, extracted, **kwargs):
        if create and extracted:
            self.assistances.set(extracted)
            # What provider_create does: keep the search index in step with the row.
            search_index_rebuild(provider_ids=[self.pk])


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderLocation
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    address = factory.Sequence(lambda n: f"Street {n}")
    country = factory.LazyAttribute(lambda o: o.provider.country)
    latitude = 0.0
    longitude = 0.0

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        if create:
            search_index_rebuild(provider_ids=[self.provider_id])


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderPaymentMethod

    provider = factory.SubFactory(ProviderFactory)
    kind = "bank_transfer"
    bank_name = "Banco Demo"
    holder_name = "Demo S.A."
    account_number = "ES9121000418450200051332"
    currency = "EUR"
