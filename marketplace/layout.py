"""Page shells: a whole page rendered once for every anonymous reader, the reader's parts filled in.

The layout holds a few things that belong to the reader: the CSRF token, the cart's item count, the
search box's query and the path the language form returns to. A shell is the page rendered with a
placeholder in each of them (`SHELL_CONTEXT`, given to the template over the context processors);
`Shell(text).fill(request)` puts this reader's values in, escaped as the template would have (a
value put in is never read again: a query naming a placeholder stays text). Serving a warm page
then costs a join instead of rendering the layout's template (benchmarks/results/throughput.md).

Each process also keeps the shells it served last (`recall`, `remember`): the caller's key holds
the versions it read from the cache for this request, so a page whose offers changed has a new key
and is never taken from memory; a warm page then costs the one read of its versions.

Only anonymous readers with no message waiting get a shell (`serves_shell`): a logged-in reader's
header (their account, the seller back office) and a pending message are rendered for them alone,
the usual way. Whatever the shell is keyed by (the page's versions, the language, the host) is the
caller's: catalog.views.model_detail keys it like the product page's rendered parts.
"""
import re
import threading
from collections import OrderedDict

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.test.signals import setting_changed
from django.utils.html import escape

CSRF = "csrf-token-placeholder-5d0b8c2e"  # also in the product body cached by catalog.views
CART_COUNT = "cart-count-placeholder-5d0b8c2e"
SEARCH_QUERY = "search-query-placeholder-5d0b8c2e"
CURRENT_PATH = "current-path-placeholder-5d0b8c2e"

SHELL_CONTEXT = {
    "csrf_token": CSRF,
    "cart_item_count": CART_COUNT,
    "search_query": SEARCH_QUERY,
    "current_path": CURRENT_PATH,
    "messages": (),
}


def serves_shell(request) -> bool:
    """An anonymous reader with no message waiting: the page is the same for every such reader."""
    return not request.user.is_authenticated and not len(get_messages(request))


class Shell:
    """A page rendered with placeholders, cut at them once: filling it in is one join."""

    def __init__(self, text: str, *more: str):
        """`more`: the caller's own placeholders, filled by `fill(…, **{placeholder: text})`."""
        names = (CSRF, CART_COUNT, SEARCH_QUERY, CURRENT_PATH, *more)
        # Every odd piece is a placeholder.
        self.pieces = re.split("(" + "|".join(re.escape(name) for name in names) + ")", text)

    def fill(self, request, **more: str) -> str:
        """The page with this reader's parts; `more`: the caller's placeholders and their text."""
        from orders.selectors import cart_item_count

        values = {
            CSRF: get_token(request),  # letters and digits only
            CART_COUNT: str(cart_item_count(request=request)),
            SEARCH_QUERY: escape(request.GET.get("q", "")),
            CURRENT_PATH: escape(request.get_full_path()),
            **more,
        }
        return "".join(values[piece] if i % 2 else piece for i, piece in enumerate(self.pieces))


MEMORY_SIZE = 256  # shells kept per process (a product page's is ~60 KB)
_memory: OrderedDict[str, Shell] = OrderedDict()
_memory_lock = threading.Lock()


def recall(key: str) -> Shell | None:
    """The shell this process kept under key (a key naming the versions it was built from)."""
    with _memory_lock:
        shell = _memory.get(key)
        if shell is not None:
            _memory.move_to_end(key)
        return shell


def remember(key: str, shell: Shell) -> None:
    with _memory_lock:
        _memory[key] = shell
        _memory.move_to_end(key)
        while len(_memory) > MEMORY_SIZE:
            _memory.popitem(last=False)


def forget(**kwargs) -> None:
    """Every shell out of this process's memory (a test changed a setting a page depends on)."""
    with _memory_lock:
        _memory.clear()


setting_changed.connect(forget, dispatch_uid="layout-shells")
