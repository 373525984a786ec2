"""Staff write the shop pages in the admin: one page, its title and body in each language."""
from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Page, PageTranslation
from .rendering import render_markdown


class PageTranslationForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)

    class Meta:
        model = PageTranslation
        fields = ["language", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16, "cols": 90})}


class PageTranslationInline(admin.StackedInline):
    model = PageTranslation
    form = PageTranslationForm
    extra = 0
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<div class="page-preview">{}</div>', render_markdown(obj.body))


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["slug", "section", "position", "is_published", "languages", "updated_at"]
    list_filter = ["section", "is_published"]
    search_fields = ["slug", "translations__title"]
    inlines = [PageTranslationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description=_("languages"))
    def languages(self, obj):
        return ", ".join(sorted(translation.language for translation in obj.translations.all()))
