"""Keys kept in a process's memory until Redis says they changed (marketplace.tracked_keys), on the
real Redis: a write from another connection or process is read at once, a repeated read costs no
command, a flush or a killed connection loses nothing."""
import multiprocessing
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from marketplace.tracked_keys import TrackedKeys, tracked


def _mget_calls() -> int:
    stats = redis.Redis.from_url(settings.REDIS_URL).info("commandstats")
    return stats.get("cmdstat_mget", {}).get("calls", 0)


def test_a_value_written_by_another_connection_is_read_at_once():
    keys = TrackedKeys()
    cache.set("tracked-a", 0, 60)
    assert keys.get_many(["tracked-a"]) == {"tracked-a": 0}
    for value in range(1, 2001):
        cache.set("tracked-a", value, 60)  # the cache's own connection, not the tracking one
        assert keys.get_many(["tracked-a", "tracked-missing"]) == {"tracked-a": value}


def _writer(start, done, rounds):
    for value in range(rounds):
        start.wait(timeout=20)
        start.clear()
        cache.set("tracked-b", value, 60)  # a fork: its own connection
        done.set()


def test_a_value_written_by_another_process_is_read_within_a_millisecond_of_its_reply():
    """Redis answers the writer, then pushes the invalidation in the same pass of its loop: a read
    that starts right after the writer's reply can precede the push by microseconds, never more."""
    keys = TrackedKeys()
    cache.set("tracked-b", -1, 60)
    assert keys.get_many(["tracked-b"]) == {"tracked-b": -1}
    context = multiprocessing.get_context("fork")
    start, done = context.Event(), context.Event()
    writer = context.Process(target=_writer, args=(start, done, 500))
    writer.start()
    delays = []
    try:
        for value in range(500):
            start.set()
            assert done.wait(timeout=20)
            done.clear()
            replied = time.perf_counter()
            while keys.get_many(["tracked-b"]) != {"tracked-b": value}:
                assert time.perf_counter() - replied < 0.05, f"value {value} still stale after 50 ms"
            delays.append(time.perf_counter() - replied)
    finally:
        writer.join(timeout=20)
    assert writer.exitcode == 0
    delays.sort()
    print(f"median {delays[len(delays) // 2] * 1e6:.0f} us, slowest {delays[-1] * 1e6:.0f} us")
    assert delays[len(delays) // 2] < 0.001  # most reads see it at once
    assert delays[-1] < 0.05


def test_a_value_written_by_this_process_is_read_at_once():
    from catalog import cache as catalog_cache

    keys = TrackedKeys()
    key = catalog_cache.MODEL_VERSION_KEY.format("tracked-model")
    for _ in range(500):
        catalog_cache._bump([key])
        assert keys.get_many([key]) == {key: cache.get(key)}


def test_a_repeated_read_sends_no_command():
    keys = TrackedKeys()
    cache.set("tracked-c", 5, 60)
    keys.get_many(["tracked-c"])
    before = _mget_calls()
    for _ in range(100):
        assert keys.get_many(["tracked-c"]) == {"tracked-c": 5}
    assert _mget_calls() == before
    cache.set("tracked-c", 6, 60)
    assert keys.get_many(["tracked-c"]) == {"tracked-c": 6}
    assert _mget_calls() == before + 1


def test_after_a_flush_through_this_process_nothing_kept_is_served():
    cache.set("tracked-d", 1, 60)
    assert tracked.get_many(["tracked-d"]) == {"tracked-d": 1}
    cache.clear()  # marketplace.cache.RedisCache: this process's kept keys go with it, at once
    assert tracked.get_many(["tracked-d"]) == {}
    cache.set("tracked-d", 2, 60)
    assert tracked.get_many(["tracked-d"]) == {"tracked-d": 2}


def test_after_a_flush_elsewhere_nothing_kept_is_served_once_the_push_arrives():
    """Another reader (as another process's) hears of the flush from Redis: unlike a write's, its
    push can follow the flush's reply by a moment, never by more than a few milliseconds here."""
    keys = TrackedKeys()
    cache.set("tracked-d", 1, 60)
    assert keys.get_many(["tracked-d"]) == {"tracked-d": 1}
    cache.clear()
    flushed = time.perf_counter()
    while keys.get_many(["tracked-d"]) != {}:
        assert time.perf_counter() - flushed < 0.05, "the flush's invalidation has not arrived in 50 ms"
    cache.set("tracked-d", 2, 60)
    assert keys.get_many(["tracked-d"]) == {"tracked-d": 2}


def test_a_killed_connection_is_replaced_and_the_value_read_again():
    keys = TrackedKeys()
    cache.set("tracked-e", 1, 60)
    assert keys.get_many(["tracked-e"]) == {"tracked-e": 1}
    keys._connection.send_command("CLIENT", "ID")
    own_id = keys._connection.read_response()
    admin = redis.Redis.from_url(settings.REDIS_URL)
    assert admin.client_kill_filter(_id=own_id) == 1
    cache.set("tracked-e", 2, 60)  # written while the connection is gone: no invalidation for it
    assert keys.get_many(["tracked-e"]) == {"tracked-e": 2}
    assert keys.get_many(["tracked-e"]) == {"tracked-e": 2}


def test_values_are_the_caches_own_objects_and_keys():
    keys = TrackedKeys()
    cache.set_many({"tracked-f": {"answer": [1, 2]}, "tracked-g": 7}, 60)
    assert keys.get_many(["tracked-f", "tracked-g"]) == cache.get_many(["tracked-f", "tracked-g"])


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_without_redis_every_read_is_the_caches():
    cache.set("tracked-h", 3)
    assert tracked.get_many(["tracked-h"]) == {"tracked-h": 3}
    cache.set("tracked-h", 4)
    assert tracked.get_many(["tracked-h"]) == {"tracked-h": 4}


def test_another_redis_database_in_the_settings_gets_its_own_connection():
    keys = TrackedKeys()
    cache.set("tracked-i", "first database", 60)
    assert keys.get_many(["tracked-i"]) == {"tracked-i": "first database"}
    url = settings.REDIS_URL
    server = url if url.count("/") == 2 else url.rsplit("/", 1)[0]
    other = {**settings.CACHES["default"], "LOCATION": f"{server}/15"}
    with override_settings(CACHES={"default": other}):
        cache.set("tracked-i", "other database", 60)
        assert keys.get_many(["tracked-i"]) == {"tracked-i": "other database"}
        cache.delete("tracked-i")
    assert keys.get_many(["tracked-i"]) == {"tracked-i": "first database"}


def test_a_redis_that_refuses_tracking_is_read_the_usual_way_from_then_on(monkeypatch):
    keys = TrackedKeys()
    cache.set("tracked-j", 1, 60)
    real_send = redis.connection.Connection.send_command

    def refuse_tracking(connection, *args, **kwargs):
        if args[:2] == ("CLIENT", "TRACKING"):
            args = ("CLIENT", "TRACKING", "NOT-A-MODE")  # Redis answers with an error, as 5.x would
        return real_send(connection, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_command", refuse_tracking)
    assert keys.get_many(["tracked-j"]) == {"tracked-j": 1}
    assert keys._refused and keys._connection is None
    monkeypatch.undo()
    cache.set("tracked-j", 2, 60)
    before = _mget_calls()
    assert keys.get_many(["tracked-j"]) == {"tracked-j": 2}  # the cache's own read
    assert keys._connection is None and _mget_calls() == before + 1
