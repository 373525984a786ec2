"""Stock sync, the kinds of file the import machinery reads: listings and stock (file_check), and
any other registered by an app (the trade-in offers of tradein). A kind names its columns, the
header words that mean them and its number columns; the upload check, the encoding, the
separator, the number format, the stored import, its progress and its report of failed rows are
the same for every kind. A kind other than stock applies its rows with its own `apply`."""
from collections.abc import Callable
from dataclasses import dataclass, field

STOCK = "stock"


@dataclass(frozen=True)
class FileKind:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    header_names: dict[str, str] = field(repr=False)
    number_columns: tuple[str, ...] = ()
    # apply(stock_import, checked) writes the rows and finishes the import (None: the stock worker).
    apply: Callable | None = field(default=None, repr=False, compare=False)


_KINDS: dict[str, FileKind] = {}


def file_kind_register(kind: FileKind) -> None:
    _KINDS[kind.name] = kind


def file_kind(name: str) -> FileKind:
    """The registered kind of this name; a name no app registers is an error (a stored import of a
    kind that no longer exists fails, with its message, rather than being read as stock)."""
    try:
        return _KINDS[name or STOCK]
    except KeyError as exc:
        raise LookupError(f"no stock-sync file kind {name!r}") from exc
