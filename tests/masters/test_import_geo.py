"""import_geo: packaged data, CSV files from the data-source storage, idempotency, malformed input."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.utils import translation

from apps.audit.models import AuditLog
from apps.masters.models import City, Country

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Commands speak the default language (Spanish); the assertions below read the English messages.
    with translation.override("en"):
        yield


COUNTRIES_CSV = (
    (
        "iso2,iso3,numeric_code,name_en,name_es,continent,capital,currency_code,phone_prefix,latitude,longitude,time_zone\n"
    )
    + """AR,ARG,032,Argentina,Argentina,SA,Buenos Aires,ARS,54,-34.61315,-58.37723,America/Argentina/Buenos_Aires
ES,ESP,724,Spain,España,EU,Madrid,EUR,34,40.4165,-3.70256,Europe/Madrid
"""
)
CITIES_CSV = """country_iso2,code,name,latitude,longitude,time_zone,admin1_code,population
AR,3435910,Buenos Aires,-34.61315,-58.37723,America/Argentina/Buenos_Aires,07,13076300
AR,3860259,Córdoba,-31.4135,-64.18105,America/Argentina/Cordoba,05,1428214
ES,3117735,Madrid,40.4165,-3.70256,Europe/Madrid,29,3255944
"""


@pytest.fixture
def datasource(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "datasource": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    # Changing STORAGES resets Django's storage cache (setting_changed), so the command sees this folder.
    storage = storages["datasource"]

    def put(name: str, text: str) -> str:
        return storage.save(name, ContentFile(text.encode()))

    return put


def _counts():
    return Country.objects.count(), City.objects.count()


def test_packaged_import_is_idempotent():
    call_command("import_geo", "--no-progress", verbosity=0)
    first = _counts()
    assert first[0] >= 240 and first[1] > 20000
    argentina = Country.objects.get(iso2="AR")
    assert (argentina.name_es, argentina.name_en, argentina.iso3) == ("Argentina", "Argentina", "ARG")
    assert Country.objects.get(iso2="DE").name_es == "Alemania"
    assert argentina.time_zone.startswith("America/")
    assert argentina.latitude is not None
    bogota = City.objects.get(country__iso2="CO", name="Bogotá")
    assert bogota.ascii_name == "Bogota" and bogota.time_zone == "America/Bogota"

    call_command("import_geo", "--no-progress", verbosity=0)
    assert _counts() == first
    assert AuditLog.objects.filter(action="import").count() == 2


def test_if_empty_skips_when_loaded(datasource):
    call_command("import_geo", "--countries", datasource("c.csv", COUNTRIES_CSV), verbosity=0)
    call_command("import_geo", "--if-empty", verbosity=0)
    assert Country.objects.count() == 2  # the packaged set was not loaded


def test_csv_import_from_the_datasource_storage_twice(datasource):
    countries, cities = datasource("countries.csv", COUNTRIES_CSV), datasource("cities.csv", CITIES_CSV)
    call_command("import_geo", "--countries", countries, "--cities", cities, "--no-progress", verbosity=0)
    assert _counts() == (2, 3)
    cordoba = City.objects.get(code="3860259")
    assert (cordoba.country.iso2, cordoba.ascii_name, cordoba.population) == ("AR", "Cordoba", 1428214)

    changed = CITIES_CSV.replace("1428214", "1500000")
    cities = datasource("cities.csv", changed)
    call_command("import_geo", "--countries", countries, "--cities", cities, "--no-progress", verbosity=0)
    assert _counts() == (2, 3)
    assert City.objects.get(code="3860259").population == 1500000


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("AR,3435911,Rosario,-95.0,-60.6,America/Argentina/Cordoba,21,1000", "line 5: latitude out of range"),
        ("AR,3435911,Rosario,abc,-60.6,,21,1000", "line 5: latitude is not a number"),
        ("AR,3435911,Rosario,-32.9,-60.6,Mars/Olympus,21,1000", "line 5: unknown time zone"),
        ("AR,3435910,Duplicate,-32.9,-60.6,,21,1000", "line 5: duplicate city 3435910"),
        ("ARG,3435911,Rosario,-32.9,-60.6,,21,1000", "line 5: country_iso2 must be two letters"),
        ("AR,3435911,Rosario,-32.9,-60.6,,21,many", "line 5: population must be a whole number"),
    ],
)
def test_malformed_city_file_names_the_line_and_imports_nothing(datasource, bad_line, message):
    countries = datasource("countries.csv", COUNTRIES_CSV)
    cities = datasource("cities.csv", CITIES_CSV + bad_line + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("import_geo", "--countries", countries, "--cities", cities, verbosity=0)
    assert _counts() == (0, 0)


def test_missing_columns_are_reported(datasource):
    cities = datasource("cities.csv", "country,name\nAR,Rosario\n")
    with pytest.raises(CommandError, match="line 1: missing columns: country_iso2, code, latitude, longitude"):
        call_command("import_geo", "--cities", cities, verbosity=0)


def test_city_of_unknown_country_rolls_back_everything(datasource):
    countries = datasource("countries.csv", COUNTRIES_CSV)
    cities = datasource("cities.csv", CITIES_CSV + "ZZ,1,Nowhere,0,0,,,0\n")
    with pytest.raises(CommandError, match="unknown countries: ZZ"):
        call_command("import_geo", "--countries", countries, "--cities", cities, verbosity=0)
    assert _counts() == (0, 0)  # the countries written before the check were rolled back


def test_missing_file_is_a_clear_error(datasource):
    with pytest.raises(CommandError, match=r"Cannot read 'nope\.csv'"):
        call_command("import_geo", "--cities", "nope.csv", verbosity=0)


def test_non_utf8_file_is_refused(datasource, settings, tmp_path):
    (tmp_path / "latin1.csv").write_bytes(
        "country_iso2,code,name,latitude,longitude\nAR,1,Córdoba,0,0\n".encode("latin-1")
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_geo", "--cities", "latin1.csv", verbosity=0)


def test_import_from_the_datasourcemaster_s3_bucket(aws, settings):
    """The production path: S3Storage reading the data-source bucket (moto's S3 on loopback)."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="datasourcemaster", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    s3.put_object(Bucket="datasourcemaster", Key="geo/countries.csv", Body=COUNTRIES_CSV.encode())
    s3.put_object(Bucket="datasourcemaster", Key="geo/cities.csv", Body=CITIES_CSV.encode())
    settings.STORAGES = {
        **settings.STORAGES,
        "datasource": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "datasourcemaster", "endpoint_url": aws.endpoint, "region_name": "us-east-2"},
        },
    }
    for _ in range(2):
        call_command(
            "import_geo", "--countries", "geo/countries.csv", "--cities", "geo/cities.csv", "--no-progress", verbosity=0
        )
    assert _counts() == (2, 3)


def test_a_new_environment_prefers_the_datasource_files(datasource):
    """What the deploy's migrate task runs: the bucket's countries.csv and cities.csv when present..."""
    datasource("countries.csv", COUNTRIES_CSV)
    datasource("cities.csv", CITIES_CSV)
    call_command("import_geo", "--if-empty", "--prefer-datasource", "--no-progress", verbosity=0)
    assert _counts() == (2, 3)
    # ...and nothing at all on the next deploy.
    Country.objects.filter(iso2="ES").update(name_en="Spain (edited by an operator)")
    call_command("import_geo", "--if-empty", "--prefer-datasource", "--no-progress", verbosity=0)
    assert Country.objects.get(iso2="ES").name_en == "Spain (edited by an operator)"


def test_without_datasource_files_the_packaged_data_is_loaded(datasource):
    call_command("import_geo", "--if-empty", "--prefer-datasource", "--no-progress", verbosity=0)
    countries, cities = _counts()
    assert countries > 240 and cities > 20_000


def test_an_unreadable_datasource_falls_back_to_the_packaged_data(settings, capsys):
    settings.STORAGES = {
        **settings.STORAGES,
        "datasource": {"BACKEND": "tests.masters.test_import_geo.BrokenStorage"},
    }
    call_command("import_geo", "--prefer-datasource", "--no-progress", verbosity=0)
    assert Country.objects.count() > 240
    assert "unreadable" in capsys.readouterr().err


class BrokenStorage:
    """A storage whose backend cannot be reached (S3 without network or permission)."""

    def exists(self, name):
        raise OSError("connection refused")
