"""Django's CSRF secrets and masked tokens, computed in C instead of a Python call per character.

Django draws each character of a secret or a mask with `secrets.choice` (one `getrandom` call and a
few Python calls per character) and adds the mask to the secret character by character: a reader
arriving without the CSRF cookie, as every first visit and every load test does, costs about 600
Python calls, a fifth of a warm product page (benchmarks/results/throughput.md). Here:

- `random_string` draws the same alphabet uniformly from one `os.urandom` read: bytes at or above
  the largest multiple of the alphabet's size are dropped and the rest map to characters by a table;
- `mask_cipher_secret` adds the mask to the secret by adding them as two big integers of one byte
  per character (each sum is below 256, so no byte carries into the next), then maps each sum back
  to a character modulo the alphabet — the same token as Django's function for the same mask.

`use_for_csrf()` (the app's ready) hands both to `django.middleware.csrf`, which looks them up when
it makes a secret or a token; Django's checks of a token sent back (`_unmask_cipher_token`) are
unchanged. Tests: tests/marketplace/test_csrf_tokens.py.
"""
import os

from django.middleware import csrf
from django.utils.crypto import get_random_string

ALPHABET = csrf.CSRF_ALLOWED_CHARS  # letters and digits: 62 characters
SIZE = len(ALPHABET)
_KEPT = 256 - 256 % SIZE  # 248: each character is the image of exactly 4 byte values
_TO_CHARACTER = bytes(ord(ALPHABET[byte % SIZE]) for byte in range(256))
_DROPPED = bytes(range(_KEPT, 256))
_TO_INDEX = bytes(ALPHABET.index(chr(byte)) if chr(byte) in ALPHABET else 0 for byte in range(256))


def random_string(length: int, allowed_chars: str = ALPHABET) -> str:
    """`length` characters drawn uniformly and independently from `allowed_chars`, from the
    operating system's randomness. Another alphabet than the CSRF one is Django's own function."""
    if allowed_chars != ALPHABET:
        return get_random_string(length, allowed_chars)
    drawn = b""
    while len(drawn) < length:
        # 8 spare bytes: fewer than `length` kept is rare (about 1 in 10^7 at 32 characters).
        drawn += os.urandom(length + 8).translate(_TO_CHARACTER, _DROPPED)
    return drawn[:length].decode("ascii")


def mask_cipher_secret(secret: str, mask: str | None = None) -> str:
    """The token for `secret` (characters of the alphabet): a new mask (or `mask`) and the secret
    with the mask added to it, character by character, modulo the alphabet — Django's scheme."""
    mask = mask or random_string(len(secret))
    size = len(secret)
    sums = (int.from_bytes(secret.encode("ascii").translate(_TO_INDEX), "big")
            + int.from_bytes(mask.encode("ascii").translate(_TO_INDEX), "big")).to_bytes(size, "big")
    return mask + sums.translate(_TO_CHARACTER).decode("ascii")


def use_for_csrf() -> None:
    """Django's CSRF middleware makes its secrets and tokens with the functions above."""
    csrf.get_random_string = random_string
    csrf._mask_cipher_secret = mask_cipher_secret
