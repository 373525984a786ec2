"""Demo catalog: a category tree, brands, 40+ device models, 150+ variants, pictures drawn with Pillow."""
# ruff: noqa: E501 - one device model per line reads best
import io
import zlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from PIL import Image, ImageDraw

from .demo_translations import seed_translations
from .models import Brand, Category, Product, ProductImage, ProductModel
from .services import product_image_add, product_models_refresh_search

# (slug, name, parent slug, description)
CATEGORIES = [
    ("smartphones", "Smartphones", None, "Refurbished iPhones and Android phones, unlocked for every network."),
    ("iphone", "iPhone", "smartphones", ""),
    ("android-phones", "Android phones", "smartphones", ""),
    ("laptops", "Laptops", None, "MacBooks and Windows laptops, tested, cleaned and ready to work."),
    ("macbook", "MacBook", "laptops", ""),
    ("windows-laptops", "Windows laptops", "laptops", ""),
    ("tablets", "Tablets", None, "iPads and Android tablets for reading, drawing and streaming."),
    ("smartwatches", "Smartwatches", None, "Smartwatches and fitness watches with fresh batteries."),
    ("consoles", "Consoles", None, "Game consoles with their controller, ready to play."),
]
BRANDS = ["Apple", "Samsung", "Google", "OnePlus", "Xiaomi", "Sony", "Lenovo", "Dell", "HP", "Microsoft",
          "Nintendo", "Garmin", "Asus"]

PHONE_COLOURS = {
    "Apple": ["Midnight", "Starlight", "Blue"], "Samsung": ["Phantom Black", "Cream", "Green"],
    "Google": ["Obsidian", "Snow"], "OnePlus": ["Black", "Green"], "Xiaomi": ["Black", "Blue"],
    "Sony": ["Black", "White"],
}
# (category, brand, name, year, price new, storages, colours or None for the brand's, specs)
MODELS = [
    ("iphone", "Apple", "iPhone 11", 2019, "709", [64, 128], None, {"Screen": "6.1-inch LCD", "Chip": "A13 Bionic"}),
    ("iphone", "Apple", "iPhone 12", 2020, "809", [64, 128], None, {"Screen": "6.1-inch OLED", "Chip": "A14 Bionic"}),
    ("iphone", "Apple", "iPhone 12 mini", 2020, "709", [64, 128], None, {"Screen": "5.4-inch OLED", "Chip": "A14 Bionic"}),
    ("iphone", "Apple", "iPhone 13", 2021, "909", [128, 256], ["Midnight", "Starlight"],
     {"Screen": "6.1-inch Super Retina XDR", "Chip": "A15 Bionic", "Camera": "12 MP dual"}),
    ("iphone", "Apple", "iPhone 13 mini", 2021, "809", [128, 256], None, {"Screen": "5.4-inch OLED", "Chip": "A15 Bionic"}),
    ("iphone", "Apple", "iPhone 13 Pro", 2021, "1159", [128, 256], None, {"Screen": "6.1-inch ProMotion", "Chip": "A15 Bionic"}),
    ("iphone", "Apple", "iPhone 14", 2022, "1019", [128, 256], None, {"Screen": "6.1-inch OLED", "Chip": "A15 Bionic"}),
    ("iphone", "Apple", "iPhone 14 Pro", 2022, "1329", [128, 256], None, {"Screen": "6.1-inch ProMotion", "Chip": "A16 Bionic"}),
    ("iphone", "Apple", "iPhone 15", 2023, "969", [128, 256], None, {"Screen": "6.1-inch OLED", "Chip": "A16 Bionic"}),
    ("iphone", "Apple", "iPhone SE (2022)", 2022, "529", [64, 128], None, {"Screen": "4.7-inch LCD", "Chip": "A15 Bionic"}),
    ("android-phones", "Samsung", "Galaxy S21", 2021, "859", [128, 256], None, {"Screen": "6.2-inch AMOLED 120 Hz"}),
    ("android-phones", "Samsung", "Galaxy S22", 2022, "859", [128, 256], None, {"Screen": "6.1-inch AMOLED 120 Hz"}),
    ("android-phones", "Samsung", "Galaxy S23", 2023, "959", [128, 256], None, {"Screen": "6.1-inch AMOLED 120 Hz"}),
    ("android-phones", "Samsung", "Galaxy A54", 2023, "489", [128, 256], None, {"Screen": "6.4-inch AMOLED"}),
    ("android-phones", "Samsung", "Galaxy Z Flip4", 2022, "1109", [128, 256], None, {"Screen": "6.7-inch foldable"}),
    ("android-phones", "Google", "Pixel 6", 2021, "649", [128, 256], None, {"Screen": "6.4-inch OLED", "Chip": "Tensor"}),
    ("android-phones", "Google", "Pixel 7", 2022, "649", [128, 256], None, {"Screen": "6.3-inch OLED", "Chip": "Tensor G2"}),
    ("android-phones", "Google", "Pixel 7a", 2023, "509", [128], None, {"Screen": "6.1-inch OLED", "Chip": "Tensor G2"}),
    ("android-phones", "OnePlus", "OnePlus 10 Pro", 2022, "919", [128, 256], None, {"Screen": "6.7-inch AMOLED"}),
    ("android-phones", "Xiaomi", "Redmi Note 12", 2023, "279", [64, 128], None, {"Screen": "6.67-inch AMOLED"}),
    ("android-phones", "Sony", "Xperia 5 IV", 2022, "999", [128], None, {"Screen": "6.1-inch OLED"}),
    ("macbook", "Apple", "MacBook Air M1", 2020, "1129", [256, 512], ["Space Grey", "Silver", "Gold"],
     {"Screen": "13.3-inch Retina", "Chip": "Apple M1", "Memory": "8 GB"}),
    ("macbook", "Apple", "MacBook Air M2", 2022, "1499", [256, 512], ["Midnight", "Starlight"],
     {"Screen": "13.6-inch Liquid Retina", "Chip": "Apple M2", "Memory": "8 GB"}),
    ("macbook", "Apple", "MacBook Pro 14 M1 Pro", 2021, "2249", [512, 1024], ["Space Grey", "Silver"],
     {"Screen": "14.2-inch XDR", "Chip": "Apple M1 Pro", "Memory": "16 GB"}),
    ("windows-laptops", "Dell", "XPS 13 9310", 2021, "1399", [256, 512], ["Platinum Silver"], {"Screen": "13.4-inch FHD+", "Memory": "16 GB"}),
    ("windows-laptops", "Lenovo", "ThinkPad X1 Carbon Gen 9", 2021, "1899", [256, 512], ["Black"], {"Screen": "14-inch WUXGA", "Memory": "16 GB"}),
    ("windows-laptops", "Lenovo", "ThinkPad T14 Gen 2", 2021, "1299", [256, 512], ["Black"], {"Screen": "14-inch FHD", "Memory": "16 GB"}),
    ("windows-laptops", "HP", "EliteBook 840 G8", 2021, "1349", [256, 512], ["Silver"], {"Screen": "14-inch FHD", "Memory": "16 GB"}),
    ("windows-laptops", "Microsoft", "Surface Laptop 4", 2021, "1149", [256, 512], ["Platinum", "Matte Black"], {"Screen": "13.5-inch PixelSense"}),
    ("windows-laptops", "Asus", "ZenBook 14", 2022, "999", [512, 1024], ["Pine Grey"], {"Screen": "14-inch OLED"}),
    ("tablets", "Apple", "iPad (9th generation)", 2021, "389", [64, 256], ["Space Grey", "Silver"], {"Screen": "10.2-inch Retina"}),
    ("tablets", "Apple", "iPad Air (5th generation)", 2022, "769", [64, 256], ["Blue", "Space Grey"], {"Screen": "10.9-inch Liquid Retina", "Chip": "Apple M1"}),
    ("tablets", "Apple", "iPad mini (6th generation)", 2021, "649", [64, 256], ["Purple", "Starlight"], {"Screen": "8.3-inch Liquid Retina"}),
    ("tablets", "Samsung", "Galaxy Tab S8", 2022, "769", [128, 256], ["Graphite", "Silver"], {"Screen": "11-inch LTPS 120 Hz"}),
    ("tablets", "Lenovo", "Tab P11", 2021, "299", [64, 128], ["Slate Grey"], {"Screen": "11-inch 2K"}),
    ("tablets", "Microsoft", "Surface Pro 8", 2021, "1179", [128, 256], ["Platinum", "Graphite"], {"Screen": "13-inch 120 Hz"}),
    ("smartwatches", "Apple", "Apple Watch Series 7", 2021, "429", [32], ["Midnight", "Starlight", "Green"], {"Case": "41 mm aluminium"}),
    ("smartwatches", "Apple", "Apple Watch SE (2022)", 2022, "299", [32], ["Midnight", "Silver"], {"Case": "40 mm aluminium"}),
    ("smartwatches", "Samsung", "Galaxy Watch5", 2022, "299", [16], ["Graphite", "Silver", "Pink Gold"], {"Case": "40 mm"}),
    ("smartwatches", "Garmin", "Forerunner 255", 2022, "349", [4], ["Slate Grey", "Tidal Blue"], {"Battery": "up to 14 days"}),
    ("smartwatches", "Google", "Pixel Watch", 2022, "379", [32], ["Matte Black", "Polished Silver"], {"Case": "41 mm"}),
    ("consoles", "Sony", "PlayStation 5", 2020, "549", [825], ["White"], {"Edition": "Standard (disc)"}),
    ("consoles", "Sony", "PlayStation 4 Pro", 2016, "399", [1024], ["Jet Black"], {"Resolution": "4K"}),
    ("consoles", "Microsoft", "Xbox Series X", 2020, "499", [1024], ["Black"], {"Resolution": "4K 120 fps"}),
    ("consoles", "Microsoft", "Xbox Series S", 2020, "299", [512], ["White"], {"Resolution": "1440p"}),
    ("consoles", "Nintendo", "Switch OLED", 2021, "349", [64], ["White", "Neon Red/Blue"], {"Screen": "7-inch OLED"}),
    ("consoles", "Nintendo", "Switch Lite", 2019, "229", [32], ["Turquoise", "Coral", "Grey"], {"Screen": "5.5-inch LCD"}),
]
DESCRIPTIONS = {
    "iphone": "{name}: a fast, well-built iPhone with a sharp display and a great camera. Refurbished, "
              "fully working, unlocked for every carrier.",
    "android-phones": "{name} by {brand}: a bright display, a capable camera and Android updates. "
                      "Refurbished, fully working and unlocked.",
    "macbook": "{name}: silent, long battery life and a superb screen. Refurbished with a fresh macOS install.",
    "windows-laptops": "{brand} {name}: a robust laptop for work and study, with Windows 11 freshly installed.",
    "tablets": "{brand} {name}: a tablet for reading, video calls, drawing and streaming.",
    "smartwatches": "{brand} {name}: fitness tracking, notifications and a battery checked by the refurbisher.",
    "consoles": "{brand} {name}: cleaned, tested and delivered with a controller and its cables.",
}
SHAPES = {"iphone": "phone", "android-phones": "phone", "macbook": "laptop", "windows-laptops": "laptop",
          "tablets": "tablet", "smartwatches": "watch", "consoles": "console"}
COLOUR_RGB = {
    "midnight": (35, 42, 56), "starlight": (236, 228, 212), "blue": (86, 128, 178), "black": (40, 40, 44),
    "phantom black": (40, 40, 44), "cream": (238, 230, 210), "green": (94, 140, 110), "obsidian": (38, 38, 40),
    "snow": (240, 240, 236), "white": (242, 242, 240), "space grey": (104, 106, 110), "silver": (214, 216, 218),
    "gold": (230, 204, 170), "platinum silver": (206, 208, 210), "platinum": (210, 210, 206),
    "matte black": (44, 44, 46), "pine grey": (80, 92, 90), "purple": (160, 140, 200), "graphite": (72, 74, 78),
    "slate grey": (90, 96, 104), "pink gold": (232, 196, 186), "tidal blue": (60, 110, 150),
    "polished silver": (220, 222, 224), "jet black": (24, 24, 26), "neon red/blue": (220, 60, 60),
    "turquoise": (64, 190, 190), "coral": (240, 128, 110), "grey": (128, 128, 128),
}


def _rgb(colour: str) -> tuple[int, int, int]:
    return COLOUR_RGB.get(colour.lower(), (120, 130, 140))


def draw_device(shape: str, colour: str, *, seed: str, size: int = 480) -> bytes:
    """A clean product-shot-like PNG of a device silhouette, drawn locally (no downloads)."""
    body = _rgb(colour)
    hue = zlib.crc32(seed.encode()) % 360
    image = Image.new("RGB", (size, size), (241, 244, 242))
    draw = ImageDraw.Draw(image)
    s = size / 480
    screen_top = Image.new("RGB", (1, 2))
    screen_top.putpixel((0, 0), _hsv(hue, 0.55, 0.95))
    screen_top.putpixel((0, 1), _hsv((hue + 40) % 360, 0.75, 0.55))

    def screen(box, radius):
        x0, y0, x1, y1 = (round(v) for v in box)
        gradient = screen_top.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR)
        mask = Image.new("L", gradient.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, *gradient.size), radius=round(radius), fill=255)
        image.paste(gradient, (x0, y0), mask)

    shadow = (222, 226, 224)
    if shape == "phone":
        draw.ellipse((150 * s, 430 * s, 330 * s, 452 * s), fill=shadow)
        draw.rounded_rectangle((150 * s, 40 * s, 330 * s, 436 * s), radius=30 * s, fill=body, outline=(60, 60, 60), width=round(3 * s))
        screen((162 * s, 52 * s, 318 * s, 424 * s), 22 * s)
        draw.rounded_rectangle((210 * s, 60 * s, 270 * s, 76 * s), radius=8 * s, fill=(20, 20, 22))
    elif shape == "tablet":
        draw.ellipse((110 * s, 420 * s, 370 * s, 446 * s), fill=shadow)
        draw.rounded_rectangle((110 * s, 60 * s, 370 * s, 428 * s), radius=22 * s, fill=body, outline=(60, 60, 60), width=round(3 * s))
        screen((124 * s, 74 * s, 356 * s, 414 * s), 12 * s)
    elif shape == "laptop":
        draw.ellipse((50 * s, 360 * s, 430 * s, 392 * s), fill=shadow)
        draw.rounded_rectangle((80 * s, 100 * s, 400 * s, 330 * s), radius=14 * s, fill=body, outline=(60, 60, 60), width=round(3 * s))
        screen((94 * s, 114 * s, 386 * s, 316 * s), 6 * s)
        draw.polygon([(60 * s, 330 * s), (420 * s, 330 * s), (440 * s, 366 * s), (40 * s, 366 * s)], fill=body, outline=(60, 60, 60))
        draw.rectangle((200 * s, 334 * s, 280 * s, 342 * s), fill=(90, 90, 94))
    elif shape == "watch":
        draw.rounded_rectangle((195 * s, 30 * s, 285 * s, 450 * s), radius=24 * s, fill=(70, 74, 80))
        draw.rounded_rectangle((150 * s, 130 * s, 330 * s, 350 * s), radius=44 * s, fill=body, outline=(60, 60, 60), width=round(3 * s))
        screen((166 * s, 146 * s, 314 * s, 334 * s), 34 * s)
        draw.rounded_rectangle((326 * s, 200 * s, 342 * s, 250 * s), radius=6 * s, fill=(90, 90, 94))
    else:  # console
        draw.ellipse((60 * s, 350 * s, 420 * s, 380 * s), fill=shadow)
        draw.rounded_rectangle((80 * s, 140 * s, 400 * s, 360 * s), radius=36 * s, fill=body, outline=(60, 60, 60), width=round(3 * s))
        draw.rounded_rectangle((110 * s, 180 * s, 370 * s, 230 * s), radius=14 * s, fill=_hsv(hue, 0.6, 0.8))
        draw.ellipse((130 * s, 260 * s, 180 * s, 310 * s), fill=(60, 60, 64))
        draw.ellipse((300 * s, 260 * s, 350 * s, 310 * s), fill=(60, 60, 64))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def _hsv(hue: int, saturation: float, value: float) -> tuple[int, int, int]:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(hue / 360, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def _storage_slug(gb: int) -> str:
    return f"{gb}gb" if gb < 1024 else f"{gb // 1024}tb"


def seed_catalog() -> dict:
    """Creates what is missing; a second run changes nothing."""
    categories: dict[str, Category] = {}
    for position, (slug, name, parent, description) in enumerate(CATEGORIES):
        categories[slug] = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position, "parent": categories.get(parent),
                                 "description": description})[0]
    brands = {name: Brand.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
              for name in BRANDS}
    existing_models = {m.slug: m for m in ProductModel.objects.filter(slug__in=[slugify(m[2]) for m in MODELS])}
    existing_products = set(Product.objects.values_list("slug", flat=True))
    with_images = set(ProductImage.objects.values_list("model_id", flat=True))
    products: list[Product] = []
    touched: list[int] = []
    for index, (category, brand, name, year, price, storages, colours, specs) in enumerate(MODELS):
        slug = slugify(name)
        model = existing_models.get(slug)
        if model is None:
            model = ProductModel.objects.create(
                slug=slug, brand=brands[brand], category=categories[category], name=name, release_year=year,
                reference_price_new=Decimal(price), specs=specs,
                description=DESCRIPTIONS[category].format(name=name, brand=brand))
            touched.append(model.pk)
        colours = colours or PHONE_COLOURS[brand][:2]
        new = []
        for s_index, storage in enumerate(storages):
            for c_index, colour in enumerate(colours):
                product_slug = f"{slug}-{_storage_slug(storage)}-{slugify(colour)}"
                reference = f"20{index:03d}{s_index:02d}{c_index:02d}0000"
                if slug == "iphone-13" and colour == "Midnight":
                    # Real-looking EAN-13s (check digit right); the stock CSV template names the 128 GB one.
                    reference = {128: "0194252707272", 256: "0194252707401"}[storage]
                if product_slug not in existing_products:
                    # A bigger storage costs more new (12 % a step, like the demo sellers' prices).
                    price_new = (Decimal(price) * Decimal("1.12") ** s_index).quantize(Decimal("1")) \
                        if s_index else None
                    new.append(Product(model=model, slug=product_slug, reference=reference,
                                       storage_gb=storage, colour=colour, reference_price_new=price_new,
                                       connectivity="Unlocked" if SHAPES[category] == "phone" else ""))
        if new:
            Product.objects.bulk_create(new)
            touched.append(model.pk)
        if model.pk not in with_images:  # one picture of each colour, named by its colour
            for position, colour in enumerate(colours):
                png = draw_device(SHAPES[category], colour, seed=slug)
                product_image_add(model=model, upload=SimpleUploadedFile(f"{slug}-{slugify(colour)}.png", png,
                                                                         "image/png"),
                                  alt_text=f"{brand} {name} in {colour}", colour=colour, position=position)
    seed_translations(categories=categories, models={slugify(m[2]): (m[0], m[1], m[2]) for m in MODELS})
    if touched:
        product_models_refresh_search(model_ids=set(touched))
    products = list(Product.objects.filter(model__slug__in=[slugify(m[2]) for m in MODELS])
                    .select_related("model").order_by("reference"))
    return {"categories": categories, "brands": brands, "products": products}
