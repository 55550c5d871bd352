from apps.assistances.services import event_open
from apps.masters.models import Assistance
from tests.vouchers.factories import BenefitFactory, VoucherFactory, country


def covered_case(*, source: str = "KOM", assistance_code: str = "MED_EMERGENCY", actor=None, **data):
    """A case opened through the service against a voucher that covers it (worldwide, USD 1,000)."""
    place = data.pop("country", None) or country("ES")
    voucher = data.pop("voucher", None)
    if voucher is None:
        voucher = VoucherFactory(worldwide=True, residence_country=country("AR"))
        BenefitFactory(voucher=voucher, assistance=Assistance.objects.get(code=assistance_code))
    payload = {
        "source_code": source,
        "traveller_name": "Ana Pérez",
        "traveller_document_number": "AAA123",
        "assistance": Assistance.objects.get(code=assistance_code),
        "country": place,
        "voucher": voucher,
        **data,
    }
    return event_open(data=payload, actor=actor).event
