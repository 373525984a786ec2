"""Search in the shopper's words: French and Spanish names of categories and common terms turned into
the catalog's own (English) words, and, where PostgreSQL's trigram matching is not there (SQLite,
`make run`), typos corrected against the words of the catalog's titles.

The synonyms are matched without accents or case, longest phrase first ("telephone portable"
before "telephone"), on whole words. A word the table does not know is kept as typed: the search
document also holds the categories' French and Spanish names, so "portable" (a laptop or, in
France, a phone) finds both.
"""
import difflib
import re
import unicodedata

# Phrase (accents and case ignored) -> the catalog's word(s). Category words are the English
# category names' own words ("laptops", "smartphones"), so full text and substring search both
# find them; an empty value drops a word that carries no meaning for the catalog.
SYNONYMS: dict[str, str] = {
    # Categories, French
    "ordinateur portable": "laptops", "ordinateurs portables": "laptops", "pc portable": "laptops",
    "ordinateur": "laptops", "ordinateurs": "laptops",
    "telephone portable": "smartphones", "telephones portables": "smartphones",
    "telephone": "smartphones", "telephones": "smartphones", "mobile": "smartphones",
    "mobiles": "smartphones",
    "tablette": "tablets", "tablettes": "tablets",
    "montre connectee": "smartwatches", "montres connectees": "smartwatches", "montre": "smartwatches",
    "montres": "smartwatches",
    "console de jeu": "consoles", "consoles de jeux": "consoles", "console": "consoles",
    # Categories, Spanish
    "ordenador portatil": "laptops", "ordenadores portatiles": "laptops", "portatil": "laptops",
    "portatiles": "laptops", "ordenador": "laptops", "ordenadores": "laptops",
    "telefono movil": "smartphones", "telefonos moviles": "smartphones", "telefono": "smartphones",
    "telefonos": "smartphones", "movil": "smartphones", "moviles": "smartphones",
    "celular": "smartphones", "celulares": "smartphones",
    "tableta": "tablets", "tabletas": "tablets",
    "reloj inteligente": "smartwatches", "relojes inteligentes": "smartwatches", "reloj": "smartwatches",
    "relojes": "smartwatches",
    "consola": "consoles", "consolas": "consoles", "videoconsola": "consoles", "videoconsolas": "consoles",
    # English words shoppers use for the same
    "phone": "smartphones", "phones": "smartphones", "laptop": "laptops", "notebook": "laptops",
    "tablet": "tablets", "smartwatch": "smartwatches", "watch": "smartwatches",
    # Colours
    "noir": "black", "negro": "black", "blanc": "white", "blanco": "white", "bleu": "blue",
    "azul": "blue", "vert": "green", "verde": "green", "gris": "grey", "gray": "grey",
    "argent": "silver", "plata": "silver", "dore": "gold", "oro": "gold", "rose": "pink",
    "rosa": "pink", "violet": "purple", "morado": "purple", "rouge": "red", "rojo": "red",
    # Other common terms
    "debloque": "unlocked", "libre": "unlocked", "go": "gb",
    # Words that only say what every device here is
    "reconditionne": "", "reconditionnes": "", "reconditionnee": "", "reacondicionado": "",
    "reacondicionados": "", "reacondicionada": "", "refurbished": "", "occasion": "",
    "d": "", "de": "", "du": "", "des": "", "le": "", "la": "", "les": "", "un": "", "une": "",
    "el": "", "los": "", "las": "", "una": "", "para": "", "pour": "",
}
WORD = re.compile(r"\w+", re.UNICODE)
LONGEST_PHRASE = max(len(phrase.split()) for phrase in SYNONYMS)
# How alike a typed word and a catalog word must be (difflib's ratio): "iphnoe" ~ "iphone" is
# 0.83, "samsng" ~ "samsung" 0.92, while "iphone" ~ "ipad" is 0.4.
TYPO_CUTOFF = 0.75


def plain(text: str) -> str:
    """Lower case, without accents: "Téléphone Portátil" -> "telephone portatil"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def translate_query(tokens: list[str]) -> list[str]:
    """The shopper's words with the synonyms put in the catalog's words, longest phrase first."""
    words = [plain(token) for token in tokens]
    result: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(LONGEST_PHRASE, len(words) - index), 0, -1):
            phrase = " ".join(words[index:index + size])
            if phrase in SYNONYMS:
                result.extend(SYNONYMS[phrase].split())
                index += size
                break
        else:
            result.append(tokens[index])
            index += 1
    return [word for word in dict.fromkeys(result) if word]


def correct_typos(tokens: list[str], vocabulary: set[str]) -> list[str]:
    """Each word that is in no catalog word is replaced by the closest catalog word, if one is close
    enough; numbers and words found as they are stay. For SQLite, where trigrams are missing."""
    corrected = []
    for token in tokens:
        word = plain(token)
        if word.isdigit() or any(word in known for known in vocabulary):
            corrected.append(token)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=TYPO_CUTOFF)
        corrected.append(close[0] if close else token)
    return corrected


def vocabulary_of(texts) -> set[str]:
    return {word for text in texts for word in WORD.findall(plain(text)) if len(word) > 1}
