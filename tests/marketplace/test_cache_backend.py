"""The Redis cache backend keeps one client per connection pool, on the real Redis."""
from django.core.cache import cache


def test_the_redis_client_is_made_once_and_serves_every_call():
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    cache.set("backend-check", {"price": "499.00"}, 30)
    cache.set_many({"backend-a": 1, "backend-b": 2}, 30)
    assert cache.get("backend-check") == {"price": "499.00"}
    assert cache.get_many(["backend-a", "backend-b"]) == {"backend-a": 1, "backend-b": 2}
    assert cache._cache.get_client() is client  # one server: reads use the same pool and client
    cache.delete_many(["backend-check", "backend-a", "backend-b"])
    assert cache.get("backend-check") is None
