"""The product page's pickers in HTML: {% variant_pickers page.dimensions %} (storage, colour,
connectivity) and {% grade_options page %} (the grades' links).

Written in Python rather than as template loops: a product page built after the cache was emptied
spent about 2.4 ms rendering them (a translated word, a filter and a price per option, a dozen
options a page). The markup is the former loops of catalog/_model_detail_content.html byte for
byte; words are translated once per page and values escaped as the template did.
"""
from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from catalog import words
from marketplace.html import money

register = template.Library()


@register.simple_tag
def variant_pickers(dimensions) -> str:
    """A section per dimension, an option per value: its price in the grade chosen, or in the
    grade the link opens when the variant has none in it, or out of stock."""
    titles = {"storage": gettext("Storage"), "colour": gettext("Colour")}
    out_of_stock = escape(gettext("Out of stock"))
    out = []
    for dimension in dimensions:
        key = dimension.key
        title = escape(titles.get(key) or gettext("Connectivity"))
        safe_key = escape(key)
        out.append(f'\n    <section class="picker" aria-labelledby="picker-{safe_key}">\n'
                   f'      <h2 class="picker-title" id="picker-{safe_key}">{title}</h2>\n'
                   f'      <ul class="picker-options">\n        ')
        for choice in dimension.choices:
            label = (words.storage_label(choice.product.storage_gb) if key == "storage"
                     else words.word(key, choice.label))
            if choice.price is None:
                price = out_of_stock
            elif choice.grade_changes:
                price = gettext("%(price)s in %(grade)s") % {"price": money(choice.price),
                                                              "grade": escape(choice.grade_label)}
            else:
                price = money(choice.price)
            classes = ("option" + (" is-selected" if choice.selected else "")
                       + (" is-unavailable" if choice.price is None else ""))
            current, url = ' aria-current="true"' if choice.selected else "", conditional_escape(choice.url)
            out.append(f'\n        <li><a class="{classes}" href="{url}"{current}>\n'
                       f'          <span class="option-label">{conditional_escape(label)}</span>\n'
                       f'          <span class="option-price">{price}</span>\n'
                       f'        </a></li>\n        ')
        out.append("\n      </ul>\n    </section>\n    ")
    return mark_safe("".join(out))  # noqa: S308 - escaped above


@register.simple_tag
def grade_options(page) -> str:
    """An option per grade: the selected variant's best price in it, or out of stock."""
    out_of_stock = escape(gettext("Out of stock"))
    out = []
    for choice in page.grades:
        selected = choice.grade == page.grade
        grade = escape(choice.grade)
        classes = (f"option grade-option grade-{grade}" + (" is-selected" if selected else "")
                   + (" is-unavailable" if choice.offer is None else ""))
        current = ' aria-current="true"' if selected else ""
        price = money(choice.price) if choice.offer else out_of_stock
        out.append(f'\n        <li><a class="{classes}" href="{conditional_escape(choice.url)}"{current}>\n'
                   f'          <span class="option-label">{escape(choice.label)}</span>\n'
                   f'          <span class="option-price">{price}</span>\n'
                   f'        </a></li>\n        ')
    return mark_safe("".join(out))  # noqa: S308 - escaped above
