"""What django-modeltranslation translates in the catalog: one column per language of LANGUAGES
(name_fr, name_es …), edited side by side in the admin; an empty translation falls back to English.
Brand and device model names are names, the same in every language."""
from modeltranslation.translator import TranslationOptions, register

from .models import CatalogWord, Category, ProductModel


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description")


@register(ProductModel)
class ProductModelTranslation(TranslationOptions):
    fields = ("description",)


@register(CatalogWord)
class CatalogWordTranslation(TranslationOptions):
    fields = ("label",)
