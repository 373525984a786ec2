"""The shop pages and the help centre: thin views over pages.selectors."""
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@require_GET
def page(request, slug: str):
    shown = selectors.page_shown(slug=slug)
    return render(request, "pages/page.html", {"shown": shown, "help": shown.page.section == "help"})


@require_GET
def help_centre(request):
    return render(request, "pages/help.html", {"pages": selectors.help_pages()})
