"""The listing list's rows in HTML: {% listing_rows rows %} for a page, {% listing_row row %} for one.

Written in Python rather than as an included template: fifty rows through the template engine were
two thirds of the list's time (about 1 ms a row: a lookup, a translation or a filter per cell). The
words are translated once per page, the row's values escaped as the template did, and the markup is
the former sellers/_listing_row.html and sellers/_buy_box_insight.html byte for byte (the tests and
the browser tests read it).
"""
from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import join
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, gettext_noop, ngettext

from marketplace.html import csrf_field, money
from sellers.ledger.selectors import reason_label

register = template.Library()

_PK_PLACEHOLDER = 2147483647

# Marked for makemessages, translated once per page.
_WORDS = {
    "product": gettext_noop("Product"),
    "sku": gettext_noop("SKU"),
    "status": gettext_noop("Status"),
    "archived": gettext_noop("Archived"),
    "paused": gettext_noop("Paused"),
    "no_stock": gettext_noop("Offline: no stock"),
    "on_sale": gettext_noop("On sale"),
    "price": gettext_noop("Price"),
    "quantity": gettext_noop("Quantity"),
    "buy_box": gettext_noop("Buy box"),
    "winning": gettext_noop("Winning"),
    "own_wins": gettext_noop("Your other listing wins"),
    "no_offer": gettext_noop("No offer on sale"),
    "losing": gettext_noop("Losing"),
    "price_to_win": gettext_noop("Price to win"),
    "match": gettext_noop("Match price to win"),
    "actions": gettext_noop("Actions"),
    "save": gettext_noop("Save"),
    "pause": gettext_noop("Pause"),
    "activate": gettext_noop("Activate"),
    "edit": gettext_noop("Edit"),
    "saved": gettext_noop("Saved"),
    "alone": gettext_noop("No competing offer: you are alone on this box"),
    "effective": gettext_noop("effective %(price)s"),
    "price_of": gettext_noop("Price of %(sku)s"),
    "quantity_of": gettext_noop("Quantity of %(sku)s"),
    "allocated": gettext_noop("%(n)s allocated"),
    "stock_change": gettext_noop("Stock: %(why)s, %(when)s"),
    "runner_up": gettext_noop("Runner-up %(price)s"),
    "room": gettext_noop("You could charge %(more)s more (%(max)s) and still win"),
    "own_winning": gettext_noop("Your winning listing: %(price)s"),
}


def _value(value) -> str:
    """A value as {{ value }} renders it."""
    return conditional_escape(localize(template_localtime(value)))


class _Page:
    """What every row of a page shares: the words in the active language, the URLs' patterns, the
    CSRF field, the page's address and whether the member may edit."""

    def __init__(self, context):
        request = context["request"]
        self.words = {key: gettext(message) for key, message in _WORDS.items()}
        self.can_edit = bool(request.seller_can.get("listings_write"))
        self.csrf = csrf_field(context)
        self.next = escape(request.get_full_path())
        placeholder = str(_PK_PLACEHOLDER)
        self._history = reverse("sellers:listing_stock_history", args=[_PK_PLACEHOLDER]).split(placeholder)
        # A page shows a few grades, reasons and days: each is put in words once.
        self._grades, self._reasons, self._days = {}, {}, {}

    def grade(self, listing) -> str:
        if listing.grade not in self._grades:
            self._grades[listing.grade] = escape(listing.get_grade_display())
        return self._grades[listing.grade]

    def stock_change(self, listing) -> tuple[str, str] | None:
        """The last stock movement's reason and day, as ListingRow.last_stock_change gives them."""
        when = getattr(listing, "last_stock_change_at", None)
        if not when:
            return None
        reason = listing.last_stock_reason
        if reason not in self._reasons:
            self._reasons[reason] = escape(reason_label(reason))
        local = template_localtime(when)
        day = local.date()  # a date format shows no time
        if day not in self._days:
            self._days[day] = escape(date_filter(local, "SHORT_DATE_FORMAT"))
        return self._reasons[reason], self._days[day]

    def history_url(self, pk: int) -> str:
        return str(pk).join(self._history)

    def row(self, row, *, form=None, saved=False, ask_low_price=False) -> str:
        w, listing, position, urls = self.words, row.listing, row.position, row.urls
        can_edit, pk, sku = self.can_edit, listing.pk, escape(listing.sku)
        product = escape(listing.product)
        out = ['\n<tr id="listing-', str(pk), '" class="listing-row',
               " is-inactive" if not listing.is_active or listing.archived_at else "", '">\n',
               '  <td data-label="', w["product"], '">\n    ',
               f'<a href="{urls["listing_update"]}" class="listing-product">{product}</a>' if can_edit
               else f'<span class="listing-product">{product}</span>',
               f'\n    <div class="small muted">{w["sku"]} {sku} · '
               f'<span class="badge badge-{escape(listing.grade)}">{self.grade(listing)}</span></div>\n',
               "  </td>\n",
               '  <td data-label="', w["status"], '">\n    ']
        if listing.archived_at:
            out.append(f'<span class="badge">{w["archived"]}</span>\n    ')
        elif not listing.is_active:
            out.append(f'<span class="badge badge-warning">{w["paused"]}</span>\n    ')
        elif listing.available <= 0:
            out.append(f'<span class="badge badge-danger">{w["no_stock"]}</span>\n    ')
        else:
            out.append(f'<span class="badge badge-success">{w["on_sale"]}</span>')
        out.append("\n  </td>\n  ")
        effective = (f'<div class="small muted effective-price">'
                     f'{w["effective"] % {"price": money(position.effective_price)}}</div>'
                     if position.effective_price else "")
        change = self.stock_change(listing)
        stock_change = ""
        if change:
            stock_change = (f'<div class="small muted"><a href="{self.history_url(pk)}">'
                            f'{w["stock_change"] % {"why": change[0], "when": change[1]}}</a></div>')
        if listing.archived_at or not can_edit:
            out += ["\n", '    <td data-label="', w["price"], '" class="num">', money(listing.price),
                    effective, "</td>\n", '    <td data-label="', w["quantity"], '" class="num">',
                    str(listing.quantity), stock_change, "</td>\n  "]
        else:
            out += self._inputs(listing, form, ask_low_price, effective, stock_change, sku)
        out += ["\n", '  <td data-label="', w["buy_box"], '" class="buy-box-cell">\n    ']
        out.append(self._position(listing, position, urls))
        out.append("\n    ")
        if row.insight:
            out.append(self._insight(row.insight))
        out += ["\n  </td>\n", '  <td data-label="', w["actions"], '" class="row-actions">\n    ']
        if not listing.archived_at and can_edit:
            hidden = f'{self.csrf}<input type="hidden" name="next" value="{self.next}">'
            sku_hidden = f'<span class="visually-hidden"> {sku}</span>'
            toggle = w["pause"] if listing.is_active else w["activate"]
            inline, toggle_url, edit = urls["listing_inline"], urls["listing_toggle"], urls["listing_update"]
            target = f'hx-target="#listing-{pk}" hx-swap="outerHTML"'
            out.append(
                f'\n    <form id="listing-{pk}-form" method="post" action="{inline}"\n'
                f'          hx-post="{inline}" {target}>\n'
                f'      {hidden}\n'
                f'      <button type="submit" class="btn btn-small btn-primary">'
                f'{w["save"]}{sku_hidden}</button>\n'
                f'    </form>\n'
                f'    <form method="post" action="{toggle_url}"\n'
                f'          hx-post="{toggle_url}" {target}>\n'
                f'      {hidden}\n'
                f'      <button type="submit" class="btn btn-small">{toggle}{sku_hidden}</button>\n'
                f'    </form>\n'
                f'    <a class="btn btn-small" href="{edit}">{w["edit"]}{sku_hidden}</a>\n    ')
        out.append("\n    ")
        if saved:
            out.append(f'<p class="row-saved small" role="status">{w["saved"]}</p>')
        out.append("\n  </td>\n</tr>")
        return "".join(out)

    def _inputs(self, listing, form, ask_low_price, effective, stock_change, sku) -> list[str]:
        w, pk = self.words, listing.pk
        fields = {}
        for name, initial in (("price", str(listing.price)), ("quantity", str(listing.quantity))):
            errors = form[name].errors if form else None
            if form:
                value = form[name].value()
                value = "" if value is None else _value(value)
            else:
                value = initial
            fields[name] = (
                value,
                f'aria-invalid="true" aria-describedby="{name}-{pk}-error"' if errors else "",
                f'<p class="errorlist" id="{name}-{pk}-error">{join(errors, " ")}</p>' if errors else "")
        confirm = (render_to_string("sellers/_confirm_low_price.html", {"ask_low_price": True, "form_pk": pk})
                   if ask_low_price else "\n")
        allocated = (f'<div class="small muted">{w["allocated"] % {"n": listing.allocated}}</div>'
                     if listing.allocated else "")
        price, quantity = fields["price"], fields["quantity"]
        return [
            "\n",
            f'  <td data-label="{w["price"]}">\n',
            f'    <label class="visually-hidden" for="price-{pk}">{w["price_of"] % {"sku": sku}}</label>\n',
            f'    <input id="price-{pk}" class="inline-input" type="text" inputmode="decimal" name="price" '
            f'form="listing-{pk}-form"\n',
            f'           value="{price[0]}"\n',
            f'           {price[1]}>\n',
            f'    {price[2]}\n',
            f'    {confirm}\n',
            f'    {effective}\n',
            "  </td>\n",
            f'  <td data-label="{w["quantity"]}">\n',
            f'    <label class="visually-hidden" for="quantity-{pk}">'
            f'{w["quantity_of"] % {"sku": sku}}</label>\n',
            f'    <input id="quantity-{pk}" class="inline-input inline-quantity" type="text" '
            f'inputmode="numeric" name="quantity" form="listing-{pk}-form"\n',
            f'           value="{quantity[0]}"\n',
            f'           {quantity[1]}>\n',
            f'    {allocated}\n',
            f'    {stock_change}\n',
            f'    {quantity[2]}\n',
            "  </td>\n  ",
        ]

    def _position(self, listing, position, urls) -> str:
        w = self.words
        if position.is_winning:
            return f'\n      <span class="badge badge-success">{w["winning"]}</span>\n    '
        if position.own_listing_wins:
            return f'\n      <span class="badge">{w["own_wins"]}</span>\n    '
        if position.winner_price is None:
            return f'\n      <span class="small muted">{w["no_offer"]}</span>\n    '
        out = [f'\n      <span class="badge badge-danger">{w["losing"]}</span>\n',
               f'      <div class="small">{w["buy_box"]} {money(position.winner_price)}']
        if position.winner_effective_price:
            effective = w["effective"] % {"price": money(position.winner_effective_price)}
            out.append(f' <span class="muted">({effective})</span>')
        out.append("</div>\n      ")
        if position.price_to_win and not listing.archived_at:
            out.append(f'\n        <div class="small"><strong>{w["price_to_win"]} '
                       f'{money(position.price_to_win)}</strong></div>\n        ')
            if self.can_edit:
                match, pk = urls["listing_match_price"], listing.pk
                out.append(f'<a class="btn btn-small" href="{match}"\n'
                           f'           hx-get="{match}" hx-target="#match-{pk}" hx-swap="innerHTML">'
                           f'{w["match"]}</a>\n'
                           f'        <div id="match-{pk}"></div>')
            out.append("\n      ")
        out.append("\n    ")
        return "".join(out)

    def _insight(self, insight) -> str:
        w = self.words
        out = ['\n<div class="buy-box-insight small">\n  ']
        if insight.holds_box:
            out.append("\n    ")
            if insight.runner_up_price is not None:
                out.append(f'\n      <div>{w["runner_up"] % {"price": money(insight.runner_up_price)}}')
                if insight.runner_up_effective_price:
                    effective = w["effective"] % {"price": money(insight.runner_up_effective_price)}
                    out.append(f' <span class="muted">({effective})</span>')
                out.append("</div>\n      ")
                if insight.room_to_raise:
                    room = w["room"] % {"more": money(insight.room_to_raise),
                                        "max": money(insight.max_winning_price)}
                    out.append(f'<div class="insight-room"><strong>{room}</strong></div>')
                out.append("\n    ")
            else:
                out.append(f'\n      <div class="muted">{w["alone"]}</div>\n    ')
            out.append("\n  ")
        elif insight.own_listing_wins:
            winner = w["own_winning"] % {"price": money(insight.winner_price)}
            out.append(f'\n    <div class="muted">{winner}</div>\n  ')
        out.append("\n  ")
        if insight.competing_offers:
            n = insight.competing_offers
            competitors = ngettext("%(n)s competing offer", "%(n)s competing offers", n) % {"n": n}
            out.append(f'<div class="muted insight-competitors">{competitors}</div>')
        out.append("\n</div>\n")
        return "".join(out)


@register.simple_tag(takes_context=True)
def listing_rows(context, rows) -> str:
    """Every row of a page of the listing list."""
    page = _Page(context)
    return mark_safe("".join([page.row(row) + "\n" for row in rows]))  # noqa: S308 (escaped above)


@register.simple_tag(takes_context=True)
def listing_row(context, row, *, form=None, saved=False, ask_low_price=False) -> str:
    """One row, as the inline edit answers it: with the form's values and errors, or "Saved"."""
    return mark_safe(_Page(context).row(row, form=form, saved=saved, ask_low_price=ask_low_price))  # noqa: S308
