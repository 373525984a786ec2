"""The production shape in docker-compose.yml (no Docker engine here: its structure is read and
checked against what the code expects), the proxy's configuration and the image's ignore file."""
import re
from pathlib import Path

import yaml

from marketplace.queues import KINDS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = [name for name, service in SERVICES.items()
                if service.get("image") == "refurb-marketplace:latest"]


def test_migrations_run_once_in_their_own_service_and_everything_else_waits_for_it():
    migrate = SERVICES["migrate"]
    assert "migrate --noinput" in migrate["command"] and migrate["restart"] == "no"
    for name in APP_SERVICES:
        if name == "migrate":
            continue
        waits = SERVICES[name]["depends_on"]["migrate"]
        assert waits == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in str(SERVICES[name].get("command", "")), name


def test_each_queue_has_a_worker_of_its_own():
    consumed = {}
    for name in APP_SERVICES:
        command = SERVICES[name].get("command", "")
        match = re.search(r"celery -A marketplace worker -Q (\S+)", command)
        if match:
            consumed[name] = match.group(1).split(",")
    assert sorted(queue for queues in consumed.values() for queue in queues) == sorted(KINDS)
    assert all(len(queues) == 1 for queues in consumed.values())


def test_cache_broker_and_results_use_separate_redis_databases():
    env = SERVICES["web"]["environment"]
    urls = [env["REDIS_URL"], env["CELERY_BROKER_URL"], env["CELERY_RESULT_BACKEND"]]
    assert len({url.rsplit("/", 1)[1] for url in urls}) == 3


def test_the_proxy_terminates_tls_serves_static_and_images_and_is_the_only_public_door():
    proxy = SERVICES["proxy"]
    assert proxy["image"].startswith("caddy") and "443:443" in proxy["ports"]
    assert "ports" not in SERVICES["web"]  # gunicorn is reached through the proxy only
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile
    assert "handle_path /static/*" in caddyfile and "immutable" in caddyfile
    assert "handle_path /media/*" in caddyfile
    mounts = " ".join(proxy["volumes"])
    assert "static:/srv/static" in mounts and "media:/srv/media" in mounts
    assert "private" not in mounts  # stock files and trade-in photos only through the app


def test_the_image_leaves_out_the_venv_local_data_and_secrets():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", "var", ".env", ".git"):
        assert entry in ignored


def test_files_live_on_minio_made_by_a_one_off_step_that_the_app_waits_for():
    minio, buckets = SERVICES["minio"], SERVICES["minio-buckets"]
    assert minio["image"].startswith("minio/minio") and "healthcheck" in minio
    assert "ports" not in minio  # browsers reach it through the proxy only
    assert buckets["restart"] == "no"
    assert buckets["depends_on"] == {"minio": {"condition": "service_healthy"}}
    step = buckets["entrypoint"]
    assert "mc mb --ignore-existing store/refurb-media store/refurb-private" in step
    assert "mc anonymous set download store/refurb-media" in step
    assert "mc anonymous set none store/refurb-private" in step
    for name in APP_SERVICES:
        waits = SERVICES[name]["depends_on"]["minio-buckets"]
        assert waits == {"condition": "service_completed_successfully"}, name
        env = SERVICES[name]["environment"]
        assert (env["AWS_STORAGE_BUCKET_NAME"], env["AWS_PRIVATE_STORAGE_BUCKET_NAME"]) == (
            "refurb-media", "refurb-private")
        assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    # Browsers reach the storage through Caddy, at the address the signatures are made for.
    assert SERVICES["web"]["environment"]["AWS_S3_PUBLIC_ENDPOINT_URL"] == "https://${FILES_ADDRESS:-files.localhost}"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$FILES_ADDRESS:files.localhost} {\n\treverse_proxy minio:9000\n}" in caddyfile
