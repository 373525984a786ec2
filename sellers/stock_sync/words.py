"""Stock sync, the words sellers write in English, French, Spanish and German: column names, grade
names and yes/no. Each is compared folded (case, accents, spaces and punctuation ignored)."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """`Très bon état` → `tres_bon_etat`; `Quantité (unités)` → `quantite_unites`."""
    text = unicodedata.normalize("NFKD", text.strip().strip('"').lstrip("\ufeff").lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _NOT_WORD.sub("_", text).strip("_")


def _table(words_of: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(word): name for name, words in words_of.items() for word in (name, *words)}


HEADER_NAMES = _table({
    "sku": ("seller_sku", "sku_vendeur", "ref_vendeur", "reference_vendeur", "referencia_vendedor",
            "sku_vendedor", "artikelnummer", "offer_sku"),
    "product_reference": ("product_ref", "reference", "ref", "reference_produit", "ref_produit", "ean",
                          "ean13", "ean_13", "gtin", "gtin13", "upc", "mpn", "code_ean", "codigo_ean",
                          "referencia", "referencia_producto", "produktreferenz", "product"),
    "grade": ("etat", "estado", "condition", "zustand", "grado", "qualite", "calidad"),
    "price": ("prix", "prix_ttc", "prix_eur", "precio", "precio_eur", "preis", "price_eur", "selling_price"),
    "quantity": ("qty", "stock", "quantite", "qte", "cantidad", "existencias", "menge", "bestand",
                 "units", "unites"),
    "warranty_months": ("warranty", "garantie", "garantie_mois", "garantia", "garantia_meses",
                        "gewahrleistung", "garantie_monate", "warranty_month"),
    "active": ("actif", "activo", "activa", "aktiv", "enabled", "en_ligne", "online", "publie"),
    # Repricing (sellers.stock_sync.rule_columns), optional.
    "floor_price": ("floor", "min_price", "minimum_price", "prix_plancher", "prix_minimum", "plancher",
                    "precio_minimo", "mindestpreis"),
    "ceiling_price": ("ceiling", "max_price", "maximum_price", "prix_plafond", "prix_maximum", "plafond",
                      "precio_maximo", "hochstpreis"),
    "repricing": ("repricing_strategy", "strategy", "strategie", "estrategia", "strategie_de_prix"),
    "beat_by": ("undercut_by", "beat_amount", "battre_de", "ecart", "rebajar_en"),
    "raise_when_winning": ("raise", "raise_price", "remonter", "subir"),
    "confirm_low_price": ("confirm_price", "confirmer_prix", "confirmar_precio", "preis_bestatigen"),
    # The device itself (optional; a file without them leaves them as they are).
    "battery": ("battery_health", "battery_percent", "batterie", "sante_batterie", "etat_batterie",
                "etat_de_la_batterie", "bateria", "salud_bateria", "estado_bateria", "salud_de_la_bateria",
                "akku", "akkuzustand", "akku_zustand", "akkukapazitat"),
    "charger": ("includes_charger", "charger_included", "chargeur", "chargeur_inclus", "cargador",
                "cargador_incluido", "ladegerat", "ladegeraet", "netzteil"),
    "cable": ("includes_cable", "cable_included", "cable_inclus", "cable_incluido", "kabel",
              "ladekabel"),
    "original_box": ("box", "includes_box", "boite", "boite_d_origine", "boite_origine",
                     "emballage_d_origine", "caja", "caja_original", "embalaje_original",
                     "originalverpackung", "originalkarton", "verpackung"),
    "unlocked": ("is_unlocked", "sim_free", "debloque", "desimlocke", "tout_operateur", "libre",
                 "liberado", "desbloqueado", "entsperrt", "ohne_simlock", "simlock_frei"),
    "esim": ("has_esim", "e_sim", "esim_compatible", "compatible_esim", "compatible_con_esim",
             "esim_fahig", "esim_faehig"),
})

GRADE_NAMES = _table({
    "premium": ("like new", "as new", "mint", "comme neuf", "parfait etat", "etat parfait", "como nuevo",
                "impecable", "wie neu", "hervorragend"),
    "excellent": ("very good", "tres bon etat", "tres bon", "excelente", "muy bueno", "muy buen estado",
                  "sehr gut", "ausgezeichnet"),
    "good": ("bon etat", "bon", "bueno", "buen estado", "gut", "guter zustand"),
    "fair": ("correct", "etat correct", "acceptable", "aceptable", "correcto", "akzeptabel",
             "in ordnung", "ok"),
})

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "oui", "o", "vrai", "si", "ja", "j", "wahr", "x"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "off", "non", "faux", "nein", "falsch"})

# The battery column's word for a new battery (a number is its health in percent).
NEW_BATTERY_WORDS = frozenset(fold(word) for word in (
    "new", "new battery", "neuve", "neuf", "batterie neuve", "nueva", "nuevo", "bateria nueva", "neu",
    "neuer akku", "akku neu"))
