"""The shopper's payout IBAN: its format by country (length, letters and digits) and its mod-97
check digits (ISO 13616). The transfer itself happens outside the marketplace."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Lengths of the IBANs of the SEPA countries (ISO 13616 registry).
LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}
_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def iban_clean(value: str) -> str:
    """The IBAN without spaces, upper case; ValidationError({"iban": …}) unless it is a valid one."""
    iban = re.sub(r"[\s-]+", "", str(value or "")).upper()
    if not iban:
        raise ValidationError({"iban": _("Enter the IBAN of the account to pay.")})
    if not _SHAPE.fullmatch(iban):
        raise ValidationError({"iban": _("An IBAN is two letters, two digits and up to 30 letters or "
                                         "digits, such as FR76 3000 6000 0112 3456 7890 189.")})
    expected = LENGTHS.get(iban[:2])
    if expected is None:
        raise ValidationError({"iban": _("We pay to accounts in the SEPA countries only.")})
    if len(iban) != expected:
        raise ValidationError({"iban": _("An IBAN from %(country)s has %(length)s characters; this one has "
                                         "%(given)s.") % {"country": iban[:2], "length": expected,
                                                          "given": len(iban)}})
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValidationError({"iban": _("This IBAN has a typing mistake (its check digits do not match).")})
    return iban


def iban_masked(iban: str) -> str:
    """What pages and e-mails show: the country and the last four characters."""
    return f"{iban[:4]} •••• {iban[-4:]}" if iban else ""
