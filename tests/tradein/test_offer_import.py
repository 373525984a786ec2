"""A bulk CSV of trade-in offers goes through the stock import machinery: the same file check,
encodings and number formats, the same stored import, report and failed-rows file."""
from decimal import Decimal

import pytest
from django.urls import reverse

from sellers.models import StockImport
from sellers.stock_sync import stock_import_create
from sellers.stock_sync.failed_rows import failed_rows_file
from tradein.models import TradeInOffer

pytestmark = pytest.mark.django_db


def test_offer_file_in_french_with_semicolons_and_comma_prices_applies_and_reports_bad_rows(
        owner, iphone, django_capture_on_commit_callbacks):
    data = ("Référence produit;État;Prix;Plafond;Actif\r\n"
            f"{iphone.reference};cassé;95,50;10;oui\r\n"
            f"{iphone.reference};flawless;1 049,00 €;2;non\r\n"
            f"{iphone.reference};mint-ish;100;1;oui\r\n"
            "0000000000000;worn;100;1;oui\r\n"
            f"{iphone.reference};worn;-4;1;oui\r\n").encode("cp1252")
    with django_capture_on_commit_callbacks(execute=True):
        stock_import = stock_import_create(seller=owner.seller, uploaded_by=owner.user, name="offres.csv",
                                           data=data, kind="trade_in_offers")
    stock_import.refresh_from_db()
    assert stock_import.kind == "trade_in_offers" and stock_import.encoding == "cp1252"
    assert stock_import.status == StockImport.Status.DONE, stock_import.error_message
    assert (stock_import.created_count, stock_import.failed_count) == (2, 3)
    offers = {o.condition: o for o in TradeInOffer.objects.filter(seller=owner.seller)}
    assert offers["cracked"].price == Decimal("95.50") and offers["cracked"].cap == 10
    assert offers["flawless"].price == Decimal("1049.00") and offers["flawless"].is_active is False
    by_line = {error["line"]: error["column"] for error in stock_import.errors}
    assert by_line == {4: "condition", 5: "product_reference", 6: "price"}
    content, content_type, _name = failed_rows_file(stock_import=stock_import)
    text = content.decode("cp1252")
    assert text.count("\r\n") == 4 and "mint-ish" in text and "95,50" not in text  # the three failed rows


def test_offer_file_missing_a_column_is_refused_at_upload(owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        stock_import_create(seller=owner.seller, uploaded_by=owner.user, name="o.csv",
                            data=b"product_reference,price\n123,10\n", kind="trade_in_offers")
    assert "condition" in refused.value.messages[0] and "cap" in refused.value.messages[0]
    assert not StockImport.objects.exists()


def test_back_office_upload_goes_to_the_stock_import_report(client, owner, iphone,
                                                            django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner.user)
    data = f"product_reference,condition,price,cap\n{iphone.reference},worn,120,3\n".encode()
    upload = SimpleUploadedFile("offers.csv", data, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tradein:seller_offers_import"), {"file": upload})
    stock_import = StockImport.objects.get(seller=owner.seller)
    assert response.status_code == 302 and response["Location"] == reverse("sellers:stock_import",
                                                                            args=[stock_import.pk])
    report = client.get(response["Location"])
    assert report.status_code == 200 and "← Trade-in offers" in report.content.decode()
    assert TradeInOffer.objects.get(seller=owner.seller).price == Decimal("120.00")


def test_a_stock_file_still_imports_as_stock(owner, iphone, django_capture_on_commit_callbacks):
    data = f"sku,product_reference,grade,price,quantity\nA-1,{iphone.reference},good,300,2\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        stock_import = stock_import_create(seller=owner.seller, uploaded_by=owner.user, name="s.csv",
                                           data=data)
    stock_import.refresh_from_db()
    assert stock_import.kind == "stock" and stock_import.created_count == 1
    assert not TradeInOffer.objects.exists()


def test_a_row_naming_a_model_and_storage_makes_one_offer_with_one_cap_for_every_colour(
        owner, iphone, django_capture_on_commit_callbacks):
    from tests.factories import ProductFactory

    ProductFactory(model=iphone.model, storage_gb=128, colour="White", reference="0194252030400")
    ProductFactory(model=iphone.model, storage_gb=64, colour="White", reference="0194252030417")
    data = (b"model;storage_gb;condition;price;cap\n"
            b"iPhone 12;128;worn;180;4\n"
            b"iPhone 12;256;worn;200;4\n"
            b"iPhone 99;128;worn;200;4\n"
            b";;worn;200;4\n"
            b"iphone-12;128;worn;175;6\n")
    with django_capture_on_commit_callbacks(execute=True):
        stock_import = stock_import_create(seller=owner.seller, uploaded_by=owner.user, name="m.csv",
                                           data=data, kind="trade_in_offers")
    stock_import.refresh_from_db()
    assert (stock_import.created_count, stock_import.updated_count, stock_import.failed_count) == (1, 1, 3)
    [offer] = TradeInOffer.objects.filter(seller=owner.seller)  # not one per colour
    assert (offer.product, offer.model, offer.storage_gb) == (None, iphone.model, 128)
    assert (offer.price, offer.cap, offer.condition) == (Decimal("175.00"), 6, "worn")
    assert {e["line"]: e["column"] for e in stock_import.errors} == {3: "storage_gb", 4: "model",
                                                                      5: "product_reference"}


def test_back_office_offer_for_a_model_and_storage_is_one_offer_with_one_cap(client, owner, iphone):
    from tests.factories import ProductFactory

    ProductFactory(model=iphone.model, storage_gb=128, colour="White", reference="0194252030400")
    client.force_login(owner.user)
    url = reverse("tradein:seller_offers")
    refused = client.post(url, {"condition": "dead", "price": "30", "cap": "2"})
    assert "Choose a product, or a model and its storage." in refused.content.decode()
    client.post(url, {"model": iphone.model.pk, "storage_gb": "128", "condition": "dead", "price": "30",
                      "cap": "2", "is_active": "on"})
    [offer] = TradeInOffer.objects.filter(seller=owner.seller)
    assert (offer.product, offer.model, offer.storage_gb, offer.cap) == (None, iphone.model, 128, 2)
    page = client.get(url).content.decode()
    assert "iPhone 12 128 GB" in page and "(every colour)" in page
    assert "one cap for all its colours together" in page
