"""Product references (EAN-13 or MPN): the one check-digit rule, used by the stock import and the
product proposals alike."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# An MPN as manufacturers print them: letters, digits and . / - (MLPF3ZD/A, SM-S901BZKDEUB).
_MPN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9./-]{2,39}$")


def ean13_valid(code: str) -> bool:
    """The check digit of a 13-digit EAN is right."""
    return len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == code[12]


def ean13_check_digit(first_twelve: str) -> str:
    """The check digit that completes 12 digits into an EAN-13."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def validate_reference(value: str) -> str:
    """A new product's reference: an EAN-13 whose check digit is right, or an MPN."""
    reference = (value or "").strip()
    if not reference:
        raise ValidationError(_("Enter the product's EAN-13 or its manufacturer part number."),
                              code="required")
    if reference.isdigit():
        if len(reference) != 13:
            raise ValidationError(_("An EAN has 13 digits; %(ref)s has %(count)s.")
                                  % {"ref": reference, "count": len(reference)}, code="ean_length")
        if not ean13_valid(reference):
            raise ValidationError(
                _("%(ref)s is not a valid EAN-13: its last digit should be %(digit)s. Check the code on "
                  "the box.") % {"ref": reference, "digit": ean13_check_digit(reference[:12])},
                code="ean_check_digit")
        return reference
    if not _MPN.match(reference):
        raise ValidationError(_("A part number has 3 to 40 letters, digits, dots, slashes or dashes."),
                              code="mpn")
    return reference
