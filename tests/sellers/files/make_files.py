"""Writes the stock files of this folder, each the way its tool writes a CSV or workbook (see
README.md). Run from the project root: `.venv/bin/python tests/sellers/files/make_files.py`."""
import csv
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

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


def _ods_cell(value) -> str:
    """A cell as LibreOffice Calc stores it in content.xml: a number keeps its value, a text its
    paragraph, a yes/no cell its boolean."""
    if isinstance(value, bool):
        return (f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}">'
                f'<text:p>{"TRUE" if value else "FALSE"}</text:p></table:table-cell>')
    if isinstance(value, (int, float)):
        return (f'<table:table-cell office:value-type="float" office:value="{value}" '
                'calcext:value-type="float">'
                f'<text:p>{value}</text:p></table:table-cell>')
    return (f'<table:table-cell office:value-type="string" calcext:value-type="string">'
            f'<text:p>{escape(value)}</text:p></table:table-cell>')


def ods_bytes(rows, *, sheet: str) -> bytes:
    """An OpenDocument spreadsheet laid out as LibreOffice writes one: the `mimetype` member first
    and uncompressed, the manifest, and the sheet in content.xml."""
    body = "".join(f"<table:table-row>{''.join(map(_ods_cell, row))}</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
        'office:version="1.3"><office:body><office:spreadsheet>'
        f'<table:table table:name="{escape(sheet)}">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


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
    # LibreOffice Calc (Spanish), "Save as ODF Spreadsheet (.ods)": numbers as numbers, the EAN as
    # text, a yes/no cell as a boolean, on a sheet "Inventario".
    (HERE / "libreoffice.ods").write_bytes(ods_bytes([
        ("SKU", "EAN", "Estado", "Precio", "Cantidad", "Garantía", "Activo"),
        ("OD-1", REFERENCES[0], "Excelente", 1049, 2, 12, True),
        ("OD-2", REFERENCES[1], "Bueno", 547.0, 5, 24, False),
        ("OD-3", REFERENCES[2], "Como nuevo", 89.9, 1, 12, "sí"),
    ], sheet="Inventario"))


if __name__ == "__main__":
    main()
