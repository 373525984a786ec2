"""Control characters: never part of a URL, a name, a SKU or a reference (NUL cannot even be stored
by PostgreSQL). One definition, used by the middleware, the forms' services and the API schemas."""
import re

# C0 controls, DEL and C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Multi-line text (an address, a reason) keeps tabs and line breaks.
CONTROL_CHARACTERS_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def has_control_characters_in_text(value: str) -> bool:
    return CONTROL_CHARACTERS_IN_TEXT.search(value) is not None
