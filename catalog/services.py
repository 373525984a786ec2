"""Writes to the catalog: keeping the search fields current, adding images, making thumbnails."""
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Value
from django.utils.text import slugify

from marketplace.storage import name_without_hash

from .cache import catalog_changed
from .images import THUMBNAIL_WIDTHS, make_thumbnail, validate_and_reencode
from .models import Category, Product, ProductImage, ProductModel

SEARCH_CONFIG = "simple"  # product names are not English prose; no stemming surprises


def _category_path(category: Category, by_id: dict[int, Category]) -> list[str]:
    names = []
    seen = set()
    while category is not None and category.pk not in seen:
        seen.add(category.pk)
        # In every language (modeltranslation's name_en, name_fr …): "ordinateurs portables"
        # finds the laptops whatever language the staff member who saved it was reading.
        names.extend(dict.fromkeys(filter(None, (getattr(category, f"name_{code}", None) or category.name
                                                 for code, _name in settings.LANGUAGES))))
        category = by_id.get(category.parent_id)
    return names


def _spec_words(specs) -> list[str]:
    if isinstance(specs, dict):
        return [str(v) for v in specs.values() if v not in (None, "")]
    if isinstance(specs, list):
        return [str(v) for v in specs]
    return []


def product_models_refresh_search(*, model_ids: Iterable[int] | None = None) -> int:
    """Recomputes the search fields of the given models (all when None); returns how many.

    Called after every catalog edit (admin saves of models, products, brands, categories, and
    the demo seed). The vector weights brand and name (A) over category and variants (B) over
    specs and description (C), so ranking favours the device a shopper named.
    """
    models = ProductModel.objects.select_related("brand", "category").prefetch_related("products")
    if model_ids is not None:
        models = models.filter(pk__in=list(model_ids))
    categories = {c.pk: c for c in Category.objects.all()}
    count = 0
    for model in models:
        title = f"{model.brand.name} {model.name}"
        category_words = " ".join(_category_path(model.category, categories))
        variant_words = " ".join(
            " ".join(filter(None, [p.variant_label, p.reference])) for p in model.products.all()
        )
        spec_words = " ".join(_spec_words(model.specs))
        document = " ".join(filter(None, [title, category_words, variant_words, spec_words,
                                          model.description]))
        fields = {"search_title": title[:300], "search_document": document}
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchVector

            fields["search_vector"] = (
                SearchVector(Value(title), weight="A", config=SEARCH_CONFIG)
                + SearchVector(Value(f"{category_words} {variant_words}"), weight="B",
                               config=SEARCH_CONFIG)
                + SearchVector(Value(f"{spec_words} {model.description}"), weight="C",
                               config=SEARCH_CONFIG)
            )
        ProductModel.objects.filter(pk=model.pk).update(**fields)
        count += 1
    return count


def product_create(*, model: ProductModel, reference: str, storage_gb: int | None = None, colour: str = "",
                   connectivity: str = "") -> Product:
    """Adds a variant to a device model: a slug of its own, the model's search refreshed, cached
    pages rebuilt after commit. The reference is unique in the catalog (IntegrityError else)."""
    with transaction.atomic():
        product = Product(model=model, reference=reference, storage_gb=storage_gb, colour=colour,
                          connectivity=connectivity)
        base = slugify(f"{model.slug} {product.variant_label} {reference}")[:190] or slugify(reference)
        slug, number = base, 1
        while Product.objects.filter(slug=slug).exists():
            number += 1
            slug = f"{base}-{number}"
        product.slug = slug
        product.save()
        product_models_refresh_search(model_ids=[model.pk])
        product_id = product.pk
        transaction.on_commit(lambda: catalog_changed(product_ids=[product_id]))
    return product


def product_image_add(*, model: ProductModel, upload, alt_text: str = "", colour: str = "",
                      position: int | None = None) -> ProductImage:
    """Validates (by decoding) and re-encodes the upload, stores it, then queues thumbnails."""
    content = validate_and_reencode(upload)
    if position is None:
        position = model.images.count()
    with transaction.atomic():
        width, height = content.image_size
        image = ProductImage(model=model, alt_text=alt_text, colour=colour, position=position, width=width,
                             height=height)
        image.image.save(content.name, content, save=False)
        image.save()
        product_image_queue_thumbnails(image=image)
        transaction.on_commit(catalog_changed)
    return image


def product_image_queue_thumbnails(*, image: ProductImage) -> None:
    from .tasks import make_thumbnails

    image_id = image.pk
    transaction.on_commit(lambda: make_thumbnails.delay(image_id))


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def product_image_make_thumbnails(*, image_id: int) -> ProductImage | None:
    """Writes one WebP per page width, each under a content-hashed name (the public storage's):
    safe to run twice (the same bytes, the same names, written once); thumbnails it replaces are
    deleted once the new names are committed."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or not image.image:
        return None
    with image.image.open("rb") as source:
        data = source.read()
    base = name_without_hash(image.image.name)
    thumbnails = {}
    for width in THUMBNAIL_WIDTHS:
        thumbnail = ContentFile(make_thumbnail(data, width))
        thumbnails[str(width)] = default_storage.save(f"{base}-{width}.webp", thumbnail)
    ProductImage.objects.filter(pk=image.pk).update(thumbnails=thumbnails)
    replaced = set(image.thumbnails.values()) - set(thumbnails.values())
    transaction.on_commit(lambda: _delete_files(replaced))
    transaction.on_commit(catalog_changed)  # cached pages show the new thumbnails
    image.thumbnails = thumbnails
    return image
