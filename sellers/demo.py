"""Demo sellers and their listings."""
from decimal import Decimal

from catalog.models import Grade

from .models import Listing, Seller, SellerMember


def seed_sellers(*, users: dict, catalog: dict) -> dict:
    seller, _ = Seller.objects.get_or_create(
        slug="green-phone-lab",
        defaults={"name": "Green Phone Lab", "status": Seller.Status.APPROVED,
                  "vat_number": "FR40123456789", "contact_name": "Rita Refurb",
                  "contact_email": users["seller"].email, "business_address": "1 rue du Port, Lyon",
                  "return_address": "1 rue du Port, Lyon", "rating": Decimal("4.60")},
    )
    SellerMember.objects.get_or_create(user=users["seller"],
                                       defaults={"seller": seller, "role": SellerMember.Role.OWNER})
    for i, product in enumerate(catalog["products"]):
        Listing.objects.get_or_create(
            seller=seller, sku=f"GPL-{product.reference}",
            defaults={"product": product, "grade": Grade.EXCELLENT,
                      "price": Decimal("499.00") + 100 * i, "quantity": 5},
        )
    return {"demo": seller}
