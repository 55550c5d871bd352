import factory

from apps.masters.models import Assistance, Category, City, Country, EventStatus


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"TEST_CAT_{n}")
    name_es = factory.Sequence(lambda n: f"Categoría {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class AssistanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assistance

    category = factory.SubFactory(CategoryFactory)
    code = factory.Sequence(lambda n: f"TEST_ASSIST_{n}")
    name_es = factory.Sequence(lambda n: f"Asistencia {n}")
    name_en = factory.Sequence(lambda n: f"Assistance {n}")
    default_sla_minutes = 60


class EventStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventStatus

    code = factory.Sequence(lambda n: f"TEST_STATUS_{n}")
    name_es = factory.Sequence(lambda n: f"Estado {n}")
    name_en = factory.Sequence(lambda n: f"Status {n}")


def _iso(n: int, length: int) -> str:
    letters = ""
    for _ in range(length):
        n, rest = divmod(n, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class CountryFactory(factory.django.DjangoModelFactory):
    """Countries are not loaded in the test database (import_geo tests load their own), so any code works."""

    class Meta:
        model = Country
        # The codes cycle (676 two-letter codes): a test that already made "ES" with country("ES")
        # gets that country back rather than a unique-key error when the sequence reaches it.
        django_get_or_create = ("iso2",)

    iso2 = factory.Sequence(lambda n: _iso(n % 676, 2))
    iso3 = factory.Sequence(lambda n: _iso(n % 17576, 3))
    name_en = factory.Sequence(lambda n: f"Country {n}")
    name_es = factory.Sequence(lambda n: f"País {n}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    country = factory.SubFactory(CountryFactory)
    code = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"City {n}")
    latitude = factory.Faker("pyfloat", min_value=-60, max_value=60, right_digits=4)
    longitude = factory.Faker("pyfloat", min_value=-170, max_value=170, right_digits=4)
    population = factory.Sequence(lambda n: 1000 + n)
