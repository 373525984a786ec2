"""Writes the stock files of this folder, each the way its tool writes a CSV or workbook (see
README.md). Run from the project root: `.venv/bin/python tests/sellers/files/make_files.py`."""
import csv
import io
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
# The catalog products the tests create for these files (valid EAN-13; the third starts with 0).
REFERENCES = ("3700000000013", "3700000000020", "0700000000016")
NBSP = "\u00a0"


def _csv(rows, *, delimiter, lineterminator, quoting=csv.QUOTE_MINIMAL) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting).writerows(rows)
    return buffer.getvalue()


FRENCH = [
    ("Réf vendeur", "EAN", "État", "Prix", "Quantité", "Garantie", "Actif", "Commentaire"),
    ("FR-1", REFERENCES[0], "Très bon état", f"1{NBSP}049,00{NBSP}€", "2", "12", "oui",
     "écran neuf\nbatterie 100 %"),  # a cell with a line break (Alt+Enter)
    ("FR-2", REFERENCES[1], "Bon état", f"547,00{NBSP}€", "5", "24", "non", "rayure légère; boîte"),
    ("FR-3", REFERENCES[2][1:], "Comme neuf", f"89,90{NBSP}€", "1", "12", "oui", ""),  # leading zero lost
]
ENGLISH = [
    ("SKU", "GTIN", "Condition", "Price", "Qty", "Warranty", "Active"),
    ("EN-1", REFERENCES[0], "Excellent", "1,049.00", "2", "12", "yes"),
    ("EN-2", REFERENCES[1], "Good", "547.00", "5", "24", "no"),
    ("EN-3", REFERENCES[2], "Premium", "89.90", "1", "12", "TRUE"),
]
SPANISH = [
    ("sku", "referencia", "estado", "precio", "cantidad", "garantía", "activo"),
    ("ES-1", REFERENCES[0], "Excelente", "1.049,00", "2", "12", "sí"),
    ("ES-2", REFERENCES[1], "Bueno", "547,00", "5", "24", "no"),
    ("ES-3", REFERENCES[2], "Como nuevo", "89,90", "1", "12", "sí"),
]


def main() -> None:
    # Excel (French Windows), "CSV (séparateur : point-virgule)": CP1252, `;`, CRLF, numbers as shown
    # (decimal comma, no-break space before €, thousands grouped by a no-break space).
    (HERE / "excel_fr.csv").write_bytes(_csv(FRENCH, delimiter=";", lineterminator="\r\n").encode("cp1252"))
    # Excel "CSV UTF-8 (délimité par des virgules)" on an English Windows: UTF-8 with a BOM, `,`, CRLF.
    (HERE / "excel_csv_utf8.csv").write_bytes(
        b"\xef\xbb\xbf" + _csv(ENGLISH, delimiter=",", lineterminator="\r\n").encode("utf-8"))
    # Google Sheets, File › Download › CSV: UTF-8 without BOM, `,`, CRLF, quotes only where needed.
    (HERE / "google_sheets.csv").write_bytes(_csv(ENGLISH, delimiter=",", lineterminator="\r\n").encode())
    # LibreOffice Calc, "Text CSV" with "Quote all text cells", Spanish locale: UTF-8, `,`, LF.
    (HERE / "libreoffice.csv").write_bytes(
        _csv(SPANISH, delimiter=",", lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).encode())
    # Excel "Texte Unicode (*.txt)": UTF-16 little-endian with its BOM, tab-separated, CRLF.
    (HERE / "excel_unicode_text.txt").write_bytes(
        _csv(FRENCH, delimiter="\t", lineterminator="\r\n").encode("utf-16"))
    # A workbook as openpyxl writes it: numbers as numbers, the EAN as text, on a sheet "Stock".
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Stock"
    sheet.append(["SKU", "EAN", "Grade", "Price", "Quantity", "Warranty months", "Active"])
    sheet.append(["XL-1", REFERENCES[0], "excellent", 1049, 2, 12, True])
    sheet.append(["XL-2", REFERENCES[1], "good", 547.0, 5, 24, False])
    sheet.append(["XL-3", REFERENCES[2], "premium", 89.9, 1, 12, "yes"])
    workbook.save(HERE / "openpyxl.xlsx")


if __name__ == "__main__":
    main()
