"""The S3-compatible storages (django-storages, boto3), chosen in settings.STORAGES when
AWS_STORAGE_BUCKET_NAME is set: public media with long cache headers, and private files that
only a signed, short-lived URL reads. Imported only then, so the filesystem needs no boto3."""
from urllib.parse import urlsplit

from django.utils.functional import cached_property
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from .storage import ContentHashedNames


class _BrowserEndpointMixin:
    """`public_endpoint_url`: where browsers reach the storage when the app reaches it at another
    address (MinIO in docker-compose: the app at http://minio:9000, browsers at localhost:9000).
    URLs are made for that address; the app still reads and writes through `endpoint_url`."""

    def get_default_settings(self):
        return {**super().get_default_settings(), "public_endpoint_url": None}


class PublicS3Storage(ContentHashedNames, _BrowserEndpointMixin, S3Storage):
    """Product images and thumbnails: public, unsigned URLs; every object is stored with the
    `object_parameters` of the settings (a year's Cache-Control: their names carry a hash of their
    bytes, so a name never holds other bytes)."""

    def __init__(self, **options):
        super().__init__(**options)
        if self.public_endpoint_url and not self.custom_domain:
            parts = urlsplit(self.public_endpoint_url)
            self.url_protocol = f"{parts.scheme}:"
            self.custom_domain = f"{parts.netloc}{parts.path.rstrip('/')}/{self.bucket_name}"


class PrivateS3Storage(_BrowserEndpointMixin, S3Storage):
    """Sellers' stock files: private objects; url() is a signed URL that expires after
    `querystring_expire` seconds, handed out only by marketplace.storage.private_file_response."""

    signs_urls = True

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url:
            return super().url(name, parameters, expire, http_method)
        params = {**(parameters or {}), "Bucket": self.bucket_name,
                  "Key": self._normalize_name(clean_name(name))}
        return self._browser_client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expire or self.querystring_expire,
            HttpMethod=http_method)

    @cached_property
    def _browser_client(self):
        """Signs for the browsers' address; signing needs no network call."""
        return self._create_session().client(
            "s3", region_name=self.region_name, endpoint_url=self.public_endpoint_url,
            config=self.client_config, verify=self.verify)
