"""The admin's suspend action: its confirmation page names each seller's open orders (how many,
what they are worth) and asks staff what becomes of them — reassigned to the next offer of the
same product and grade, or cancelled and refunded (orders.suspension does either)."""
from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.admin_actions import reason_action
from marketplace.templatetags.money import format_money

from . import services


def _decision_form():
    from orders.suspension import CHOICES, seller_open_orders

    from .admin import DecisionForm

    class SuspendForm(DecisionForm):
        open_orders = forms.ChoiceField(
            label=gettext_lazy("Their open orders"), choices=CHOICES, widget=forms.RadioSelect,
            help_text=gettext_lazy("Paid orders the seller has not shipped: the shoppers must not "
                                   "wait for them."))

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.open = seller_open_orders(seller_ids=[seller.pk for seller in self.objects])
            if not any(summary.count for summary in self.open.values()):
                del self.fields["open_orders"]

    return SuspendForm


def _describe(open_orders):
    def describe(seller) -> str:
        summary = open_orders.get(seller.pk)
        text = f"{seller.name} — {seller.get_status_display()}"
        if summary and summary.count:
            text += " — " + ngettext("%(count)s open order worth %(value)s",
                                     "%(count)s open orders worth %(value)s", summary.count) % {
                "count": summary.count, "value": format_money(summary.value)}
        else:
            text += " — " + _("no open orders")
        return text
    return describe


def suspend_action(modeladmin, request, queryset, *, title: str, done_message):
    """The confirmation page, then: suspend each seller and hand its open orders over as chosen."""
    from orders.suspension import seller_open_orders, seller_open_orders_resolve

    sellers = list(queryset)
    open_orders = seller_open_orders(seller_ids=[seller.pk for seller in sellers])
    count = sum(summary.count for summary in open_orders.values())
    value = sum((summary.value for summary in open_orders.values()), start=0)
    intro = (ngettext("These sellers have %(count)s open order (paid, not shipped) worth %(value)s in all.",
                      "These sellers have %(count)s open orders (paid, not shipped) worth %(value)s in all.",
                      count) % {"count": count, "value": format_money(value)}) if count else ""

    def decide(seller, data):
        if seller.status != seller.Status.SUSPENDED or not data.get("open_orders"):
            seller._change_reason = data["reason"]  # the audit trail records why
            services.seller_suspend(seller=seller, reason=data["reason"])
        # else: suspended earlier, with open orders still waiting: they are handed over now.
        if data.get("open_orders"):
            done = seller_open_orders_resolve(seller=seller, choice=data["open_orders"], actor=request.user)
            if done.reassigned or done.cancelled:
                modeladmin.message_user(request, _(
                    "%(seller)s: %(reassigned)s open orders reassigned, %(cancelled)s cancelled and "
                    "refunded.") % {"seller": seller.name, "reassigned": len(done.reassigned),
                                    "cancelled": len(done.cancelled)}, messages.INFO)

    return reason_action(modeladmin, request, sellers, action="suspend", title=title, apply=decide,
                         done_message=lambda n: done_message(n) % {"count": n},
                         refusal_level=messages.WARNING, form_class=_decision_form(),
                         describe=_describe(open_orders), log=False, intro=intro)
