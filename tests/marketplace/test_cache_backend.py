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


def test_the_client_keeps_one_connection_and_a_forked_process_opens_its_own():
    import multiprocessing

    client = cache._cache.get_client()
    cache.set("backend-fork", 1, 30)
    assert cache.get("backend-fork") == 1
    own = client.client_id()
    assert client.client_id() == own  # the same connection for every command

    def child(answers):
        # A Celery worker's child: what the parent opened is not its connection.
        forked = cache._cache.get_client()
        answers.put((forked is client, forked.client_id(), cache.get("backend-fork")))

    answers = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=child, args=(answers,))
    process.start()
    same_client, child_id, value = answers.get(timeout=20)
    process.join(timeout=20)
    assert process.exitcode == 0
    assert not same_client and child_id != own and value == 1
    assert client.client_id() == own  # the parent's connection was not touched
    cache.delete("backend-fork")
