"""The shop's own pages that staff write in the admin: terms of sale, privacy, legal notice,
cookies and the help centre. Each page has a slug and, per language, a title and a body in
Markdown (rendered without raw HTML: pages.rendering)."""
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Page(models.Model):
    class Section(models.TextChoices):
        LEGAL = "legal", _("Legal")
        HELP = "help", _("Help centre")

    slug = models.SlugField(_("slug"), max_length=80, unique=True,
                            help_text=_("The page's address: /pages/<slug>/. Links in the footer use it."))
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["section", "position", "slug"]
        verbose_name = _("shop page")
        verbose_name_plural = _("shop pages")

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("pages:page", kwargs={"slug": self.slug})


class PageTranslation(models.Model):
    """The page in one language; a language without its own falls back to the default one."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="translations")
    # A code of settings.LANGUAGES (checked by the admin's form; not choices, so that offering a
    # language more or less needs no migration).
    language = models.CharField(_("language"), max_length=10)
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("body"), help_text=_(
        "Markdown: ## for a heading, - for a list, **bold**, [text](https://…) for a link. "
        "HTML is shown as text, never run."))

    class Meta:
        ordering = ["page", "language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [models.UniqueConstraint(fields=["page", "language"],
                                               name="pagetranslation_one_per_language")]

    def __str__(self) -> str:
        return f"{self.page.slug} ({self.language}): {self.title}"
