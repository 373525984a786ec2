"""sitemap.xml: the home page, every category and every published device model."""
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Category, ProductModel


class StaticSitemap(Sitemap):
    priority = 1.0
    changefreq = "daily"

    def items(self):
        return ["catalog:home"]

    def location(self, item):
        return reverse(item)


class CategorySitemap(Sitemap):
    priority = 0.7
    changefreq = "daily"

    def items(self):
        return Category.objects.order_by("pk")


class ProductModelSitemap(Sitemap):
    priority = 0.8
    changefreq = "daily"

    def items(self):
        return ProductModel.objects.filter(is_published=True).order_by("pk")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"static": StaticSitemap, "categories": CategorySitemap, "models": ProductModelSitemap}
