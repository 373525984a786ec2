"""Django's Redis cache, keeping one Redis client, on one connection of its own, per connection pool
and process.

Django's RedisCacheClient builds a new `redis.Redis` object around its pool for every cache call;
that costs about 0.2 ms, more than the round trip to a local Redis, and a product page makes
several calls. A client is safe to share between threads. It holds one connection of its own
(`single_connection_client`, each command under the client's lock) instead of taking one from the
pool for each command: the pool's checks and bookkeeping (a poll of the socket, counters) were a
third of a cache read's Python (benchmarks/results/throughput.md). Pipelines still take theirs from
the pool. A forked process (a Celery worker's child) makes its own client: a connection is never
shared across processes.
"""
import os

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

from marketplace.tracked_keys import tracked


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        which = (os.getpid(), id(pool))
        client = self._clients.get(which)
        if client is None:
            client = self._clients[which] = self._client(connection_pool=pool, single_connection_client=True)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def clear(self):
        """Empties the cache, and this process's tracked keys with it at once: the others hear of
        the flush from Redis (marketplace.tracked_keys), and so would this one, but a moment later."""
        super().clear()
        tracked.cleared()
