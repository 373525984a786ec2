"""Small cache keys each process keeps in memory, told by Redis when they change (server-assisted
client-side caching, `CLIENT TRACKING`): the product pages' versions.

A warm product page's one Redis round trip was about a third of its CPU on a 2-core machine: sending
a few bytes wakes the Redis process, and the answer wakes ours (benchmarks/results/throughput.md).
Here a process reads those keys on a RESP3 connection of its own with tracking on: Redis remembers
the keys that connection read and, when one is written, expires, is evicted or the database is
flushed, pushes an invalidation to it, in the same pass of its event loop as it answers the writer.
Before answering from memory the reader takes every invalidation already on its socket (a
non-blocking poll: nothing is sent, nothing wakes Redis); a key not in memory is read with MGET on
that connection, which makes Redis track it.

So a value is served from memory only while no invalidation for it has reached this process, and
for at most KEEP_SECONDS (a bound on what a lost message or a key's expiry could leave behind). A
write made through this process (`changed`, called by the versions' one writer) is seen by its next
read, and so is a flush through this process's cache (marketplace.cache.RedisCache.clear); one
made by another process, once Redis's push has crossed the socket: Redis answers the
writer first and pushes the invalidation in the same pass of its loop, microseconds later
(tests/marketplace/test_tracked_keys.py measures it from another process, and reads back writes
made on other connections thousands of times).

Any error on the connection (Redis restarted, the connection killed) drops it and everything read
through it, and that read is the cache's usual one. A forked process opens its own connection.
redis-py has a client-side cache of its own, but it needs Redis 7.4; tracking needs 6.0.
"""
import contextlib
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache import caches
from redis.exceptions import ResponseError

KEPT = 100_000  # keys kept per process (then it starts over)
KEEP_SECONDS = 60.0  # read again after this long, whatever Redis said


class TrackedKeys:
    """Reads of a few cache keys (`get_many`, as the cache's) answered from memory until Redis says
    they changed. Without a Redis cache (local memory in `make run`) every read is the cache's."""

    def __init__(self):
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        self._pool = self._connection_kwargs = None
        self._refused = False  # Redis answered CLIENT TRACKING with an error
        self._values: dict[str, tuple[Any, float]] = {}  # made key -> (value, read again after)
        self._made: dict[tuple, str] = {}  # (prefix, version, key) -> the cache's key

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        django_cache = caches["default"]  # the proxy `cache` looks this up on every attribute
        backend = getattr(django_cache, "_cache", None)
        if self._refused or not hasattr(backend, "get_client"):
            return django_cache.get_many(keys)
        made = {self._made_key(django_cache, key): key for key in keys}
        with self._lock:
            try:
                found = self._read(backend, list(made))
            except Exception:  # noqa: BLE001 - any trouble: forget the connection, read as usual
                self._drop()
                return django_cache.get_many(keys)
        return {made[key]: value for key, value in found.items()}

    def _made_key(self, django_cache, key: str) -> str:
        """The cache's key for `key` (its prefix and version), made and checked once per process."""
        which = (django_cache.key_prefix, django_cache.version, key)
        made = self._made.get(which)
        if made is None:
            if len(self._made) >= KEPT:
                self._made = {}
            made = self._made[which] = django_cache.make_and_validate_key(key)
        return made

    def _read(self, backend, keys: list[str]) -> dict[str, Any]:
        connection = self._tracking_connection(backend)
        while connection.can_read(timeout=0):  # the invalidations waiting, handled by _invalidated
            connection.read_response(push_request=True)
        now = time.monotonic()
        kept = [self._values.get(key) for key in keys]
        if all(entry is not None and entry[1] > now for entry in kept):
            return {key: entry[0] for key, entry in zip(keys, kept, strict=True)}
        connection.send_command("MGET", *keys)
        raw = connection.read_response()  # an invalidation pushed before it is handled first
        if len(self._values) >= KEPT:
            self._values = {}
        found = {}
        for key, data in zip(keys, raw, strict=True):
            if data is not None:  # a missing key is never kept
                found[key] = backend._serializer.loads(data)
                self._values[key] = (found[key], now + KEEP_SECONDS)
        return found

    def _tracking_connection(self, backend):
        pool = backend._get_connection_pool(write=False)
        if self._connection is not None and self._pid == os.getpid():
            if pool is self._pool:
                return self._connection
            if pool.connection_kwargs == self._connection_kwargs:  # another thread's cache, same server
                self._pool = pool
                return self._connection
        self._drop()  # another server or database (a test's settings), or a forked process
        connection = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
        # Called by redis-py's parser for every invalidation read on this connection.
        connection._parser.set_invalidation_push_handler(self._invalidated)
        connection.connect()
        connection.send_command("CLIENT", "TRACKING", "ON")
        try:
            answer = connection.read_response()
        except ResponseError:
            answer = None
        if answer not in (b"OK", "OK"):
            # A Redis before 6 (or a proxy) that does not track: every read is the cache's from now on.
            self._refused = True
            connection.disconnect()
            raise ConnectionError(f"Redis refused CLIENT TRACKING: {answer}")
        self._connection, self._pid = connection, os.getpid()
        self._pool, self._connection_kwargs = pool, pool.connection_kwargs
        return connection

    def _invalidated(self, message) -> None:
        changed = message[1] if len(message) > 1 else None
        if changed is None:  # the database was flushed (or Redis forgot what it tracked)
            self._values = {}
            return
        for key in changed:
            self._values.pop(key.decode() if isinstance(key, bytes) else key, None)

    def changed(self, keys: Iterable[str]) -> None:
        """These keys were just written through this process: its next read of them asks Redis."""
        django_cache = caches["default"]
        if not hasattr(getattr(django_cache, "_cache", None), "get_client"):
            return
        made = [self._made_key(django_cache, key) for key in keys]
        with self._lock:
            for key in made:
                self._values.pop(key, None)

    def cleared(self) -> None:
        """The cache was just emptied through this process: nothing kept is served again."""
        with self._lock:
            self._values = {}

    def _drop(self) -> None:
        connection, self._connection, self._values = self._connection, None, {}
        if connection is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):  # it is gone either way
                connection.disconnect()


tracked = TrackedKeys()
