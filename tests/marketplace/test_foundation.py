"""The skeleton: settings switches, health check, deploy checks and migrations."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
    "'cache': s.CACHES['default']['BACKEND'], 'provider': s.PAYMENT_PROVIDER, "
    "'email': s.EMAIL_BACKEND}))"
)
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "STRIPE_SECRET_KEY",
                     "CELERY_TASK_ALWAYS_EAGER", "EMAIL_URL", "DJANGO_ENV",
                     "DJANGO_ALLOW_ASYNC_UNSAFE")


def run_settings(**environ) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="marketplace.settings", **environ)
    out = subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_with_no_services_set_the_site_uses_sqlite_eager_tasks_console_mail_and_test_payments():
    found = run_settings()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["eager"] is True
    assert found["broker"] == "memory://localhost/"  # with a host: kombu does not warn
    assert found["cache"].endswith("LocMemCache")
    assert found["provider"] == "test"
    assert found["email"] == "marketplace.mail_backends.OneLineConsoleBackend"  # one line per e-mail


def test_service_variables_switch_to_postgres_redis_broker_and_stripe():
    found = run_settings(DATABASE_URL="postgres://root@127.0.0.1:5432/x",
                         REDIS_URL="redis://127.0.0.1:6379/3", STRIPE_SECRET_KEY="sk_test_x")
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6379/3"
    assert found["cache"].endswith("RedisCache")
    assert found["provider"] == "stripe"


def test_healthz_is_ok_when_database_and_redis_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "status": "ok"}


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_and_names_redis_when_redis_is_down(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"] != "ok" and "Connection" in body["redis"]
    assert body["status"] == "down"


def test_healthz_is_503_and_names_the_database_when_it_is_down():
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="marketplace.settings",
               DATABASE_URL="postgres://root@127.0.0.1:1/nowhere")
    code = ("import django; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz'); print(r.status_code, r.content.decode())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1]
    status, body = out.split(" ", 1)
    assert status == "503"
    assert json.loads(body)["database"].startswith("OperationalError")


def test_check_deploy_reports_nothing_in_production_mode():
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="marketplace.settings", DJANGO_ENV="production",
               SECRET_KEY="x" * 20 + "a-long-random-production-secret-0123456789",
               ALLOWED_HOSTS="shop.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES + ("SECRET_KEY",)}
    env.update(DJANGO_SETTINGS_MODULE="marketplace.settings", DJANGO_ENV="production")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    from django.contrib.auth import get_user_model

    from catalog.models import Product
    from sellers.models import Listing

    call_command("seed_demo", verbosity=0)
    counts = (get_user_model().objects.count(), Product.objects.count(), Listing.objects.count())
    call_command("seed_demo", verbosity=0)
    assert counts == (get_user_model().objects.count(), Product.objects.count(),
                      Listing.objects.count())
    assert counts[1] > 0 and counts[2] > 0
