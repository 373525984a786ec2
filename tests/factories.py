"""factory-boy factories for the marketplace's models."""
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from catalog.models import Brand, Category, Grade, Product, ProductModel
from sellers.models import Listing, Seller, SellerMember, StockMovement
from sellers.selectors import buy_box_standings_refresh

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.SelfAttribute("email")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(user=self, email=self.email,
                                               defaults={"verified": True, "primary": True})


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    brand = factory.SubFactory(BrandFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Phone {n}")
    slug = factory.Sequence(lambda n: f"phone-{n}")
    release_year = 2022
    reference_price_new = Decimal("800.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    model = factory.SubFactory(ProductModelFactory)
    slug = factory.Sequence(lambda n: f"product-{n}")
    reference = factory.Sequence(lambda n: f"EAN{n:010d}")
    storage_gb = 128
    colour = "Black"


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"Refurbisher {n}")
    slug = factory.Sequence(lambda n: f"refurbisher-{n}")
    status = Seller.Status.APPROVED
    vat_number = factory.Sequence(lambda n: f"FR{n:011d}")
    contact_name = "Contact"
    contact_email = factory.Sequence(lambda n: f"seller{n}@example.test")
    business_address = "1 rue de la Paix, Paris"
    return_address = "1 rue de la Paix, Paris"
    rating = Decimal("4.50")
    shipping_fee = Decimal("0.00")


class SellerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerMember

    seller = factory.SubFactory(SellerFactory)
    user = factory.SubFactory(UserFactory)
    role = SellerMember.Role.OWNER


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    seller = factory.SubFactory(SellerFactory)
    product = factory.SubFactory(ProductFactory)
    grade = Grade.GOOD
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    price = Decimal("400.00")
    quantity = 5
    warranty_months = 12

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A listing as the ledger would hold it: its quantity (and any allocation a test sets up)
        is its opening stock movement."""
        listing = super()._create(model_class, *args, **kwargs)
        if listing.quantity or listing.allocated:
            StockMovement.objects.create(
                listing=listing, seller_id=listing.seller_id, quantity_delta=listing.quantity,
                allocated_delta=listing.allocated, reason=StockMovement.Reason.OPENING,
                created_at=listing.created_at)
        # Its box stored again, as every writer of offers has it done after commit.
        buy_box_standings_refresh(product_ids=[listing.product_id])
        return listing
