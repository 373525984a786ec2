"""The demo catalog in French and Spanish: category names and descriptions, the device models'
descriptions, and the catalog's words (colours, connectivity, specification labels). Filled where
still empty, so a second run, or a translation staff changed, is left alone."""
# ruff: noqa: E501 - one entry per line reads best
from django.db.models import F, Q

from .models import CatalogWord, Category, ProductModel
from .words import words_changed

# slug -> (French name, Spanish name, French description, Spanish description)
CATEGORIES = {
    "smartphones": ("Smartphones", "Móviles",
                    "iPhone et smartphones Android reconditionnés, débloqués tous opérateurs.",
                    "iPhone y móviles Android reacondicionados, libres para cualquier operador."),
    "iphone": ("iPhone", "iPhone", "", ""),
    "android-phones": ("Smartphones Android", "Móviles Android", "", ""),
    "laptops": ("Ordinateurs portables", "Portátiles",
                "MacBook et PC portables Windows, testés, nettoyés et prêts à l’emploi.",
                "MacBook y portátiles Windows, probados, limpios y listos para trabajar."),
    "macbook": ("MacBook", "MacBook", "", ""),
    "windows-laptops": ("PC portables Windows", "Portátiles Windows", "", ""),
    "tablets": ("Tablettes", "Tablets",
                "iPad et tablettes Android pour lire, dessiner et regarder des vidéos.",
                "iPad y tablets Android para leer, dibujar y ver series."),
    "smartwatches": ("Montres connectées", "Relojes inteligentes",
                     "Montres connectées et montres de sport, batterie contrôlée.",
                     "Relojes inteligentes y de deporte, con la batería revisada."),
    "consoles": ("Consoles", "Consolas",
                 "Consoles de jeu avec leur manette, prêtes à jouer.",
                 "Videoconsolas con su mando, listas para jugar."),
}
# category slug -> (French, Spanish) description of its device models
DESCRIPTIONS = {
    "iphone": ("{name} : un iPhone rapide et bien construit, avec un écran net et un excellent appareil photo. Reconditionné, entièrement fonctionnel, débloqué tous opérateurs.",
               "{name}: un iPhone rápido y bien construido, con una pantalla nítida y una gran cámara. Reacondicionado, totalmente funcional y libre para cualquier operador."),
    "android-phones": ("{name} de {brand} : un écran lumineux, un bon appareil photo et les mises à jour Android. Reconditionné, entièrement fonctionnel et débloqué.",
                       "{name} de {brand}: una pantalla luminosa, una buena cámara y actualizaciones de Android. Reacondicionado, totalmente funcional y libre."),
    "macbook": ("{name} : silencieux, une grande autonomie et un superbe écran. Reconditionné avec une installation neuve de macOS.",
                "{name}: silencioso, con gran autonomía y una pantalla excelente. Reacondicionado con macOS recién instalado."),
    "windows-laptops": ("{brand} {name} : un ordinateur portable robuste pour le travail et les études, avec Windows 11 fraîchement installé.",
                        "{brand} {name}: un portátil robusto para trabajar y estudiar, con Windows 11 recién instalado."),
    "tablets": ("{brand} {name} : une tablette pour lire, passer des appels vidéo, dessiner et regarder des vidéos.",
                "{brand} {name}: una tablet para leer, hacer videollamadas, dibujar y ver series."),
    "smartwatches": ("{brand} {name} : suivi sportif, notifications et une batterie contrôlée par le reconditionneur.",
                     "{brand} {name}: seguimiento deportivo, notificaciones y una batería revisada por el reacondicionador."),
    "consoles": ("{brand} {name} : nettoyée, testée et livrée avec une manette et ses câbles.",
                 "{brand} {name}: limpia, probada y entregada con un mando y sus cables."),
}
# (kind, English word) -> (French, Spanish)
WORDS = {
    ("colour", "Midnight"): ("Minuit", "Medianoche"),
    ("colour", "Starlight"): ("Lumière stellaire", "Blanco estrella"),
    ("colour", "Blue"): ("Bleu", "Azul"),
    ("colour", "Phantom Black"): ("Noir fantôme", "Negro fantasma"),
    ("colour", "Cream"): ("Crème", "Crema"),
    ("colour", "Green"): ("Vert", "Verde"),
    ("colour", "Obsidian"): ("Obsidienne", "Obsidiana"),
    ("colour", "Snow"): ("Neige", "Nieve"),
    ("colour", "Black"): ("Noir", "Negro"),
    ("colour", "White"): ("Blanc", "Blanco"),
    ("colour", "Space Grey"): ("Gris sidéral", "Gris espacial"),
    ("colour", "Silver"): ("Argent", "Plata"),
    ("colour", "Gold"): ("Or", "Oro"),
    ("colour", "Platinum Silver"): ("Argent platine", "Plata platino"),
    ("colour", "Platinum"): ("Platine", "Platino"),
    ("colour", "Matte Black"): ("Noir mat", "Negro mate"),
    ("colour", "Pine Grey"): ("Gris pin", "Gris pino"),
    ("colour", "Purple"): ("Mauve", "Morado"),
    ("colour", "Graphite"): ("Graphite", "Grafito"),
    ("colour", "Slate Grey"): ("Gris ardoise", "Gris pizarra"),
    ("colour", "Pink Gold"): ("Or rose", "Oro rosa"),
    ("colour", "Tidal Blue"): ("Bleu marée", "Azul marea"),
    ("colour", "Polished Silver"): ("Argent poli", "Plata pulida"),
    ("colour", "Jet Black"): ("Noir de jais", "Negro azabache"),
    ("colour", "Neon Red/Blue"): ("Rouge/Bleu néon", "Rojo/Azul neón"),
    ("colour", "Turquoise"): ("Turquoise", "Turquesa"),
    ("colour", "Coral"): ("Corail", "Coral"),
    ("colour", "Grey"): ("Gris", "Gris"),
    ("connectivity", "Unlocked"): ("Débloqué", "Libre"),
    ("connectivity", "Wi-Fi"): ("Wi-Fi", "Wi-Fi"),
    ("connectivity", "Wi-Fi + Cellular"): ("Wi-Fi + Cellulaire", "Wi-Fi + datos móviles"),
    ("spec", "Screen"): ("Écran", "Pantalla"),
    ("spec", "Chip"): ("Puce", "Chip"),
    ("spec", "Camera"): ("Appareil photo", "Cámara"),
    ("spec", "Memory"): ("Mémoire", "Memoria"),
    ("spec", "Case"): ("Boîtier", "Caja"),
    ("spec", "Battery"): ("Batterie", "Batería"),
    ("spec", "Edition"): ("Édition", "Edición"),
    ("spec", "Resolution"): ("Résolution", "Resolución"),
}


def seed_translations(*, categories: dict[str, Category], models: dict[str, tuple[str, str, str]]) -> None:
    """`models`: device model slug -> (category slug, brand name, model name)."""
    for slug, (name_fr, name_es, description_fr, description_es) in CATEGORIES.items():
        category = categories.get(slug)
        if category is None:
            continue
        # Empty, or the English text (a category created while French was active gets its English
        # name as name_fr): the demo's translation goes in.
        english = {"name": category.name_en, "description": category.description_en}
        values = {field: value for field, value in (("name_fr", name_fr), ("name_es", name_es),
                                                    ("description_fr", description_fr),
                                                    ("description_es", description_es))
                  if value and getattr(category, field) in (None, "", english[field.rsplit("_", 1)[0]])}
        if values:
            Category.objects.filter(pk=category.pk).update(**values)
    untranslated = Q(description_fr__isnull=True) | Q(description_fr="") | Q(description_fr=F("description_en"))
    for model in ProductModel.objects.filter(untranslated, slug__in=list(models)):
        category, brand, name = models[model.slug]
        french, spanish = DESCRIPTIONS[category]
        ProductModel.objects.filter(pk=model.pk).update(
            description_fr=french.format(name=name, brand=brand),
            description_es=spanish.format(name=name, brand=brand))
    existing = set(CatalogWord.objects.values_list("kind", "text"))
    new = [CatalogWord(kind=kind, text=text, label_fr=french, label_es=spanish)
           for (kind, text), (french, spanish) in WORDS.items() if (kind, text) not in existing]
    if new:
        CatalogWord.objects.bulk_create(new)
        words_changed()
