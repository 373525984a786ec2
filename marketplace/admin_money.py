"""Money in the admin, written with its currency ("€1,249.00", "1 249,00 €") in lists and read-only
forms, the way the shop writes it, instead of Django's bare "1249.00".

A money field is a DecimalField with two decimal places and at least 8 digits (prices, totals,
fees, refunds, payouts); ratings and scores also have two decimals but 3 or 5 digits, and rates
four decimals. An admin may name its money fields itself with `money_fields`. The amount is
written in the row's own `currency` when it has one, else in MARKETPLACE_CURRENCY.
"""
from collections.abc import Iterable

from django.conf import settings
from django.contrib import admin
from django.db import models

from marketplace.templatetags.money import format_money

SUFFIX = "_money"


def money_field_names(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields
            if isinstance(f, models.DecimalField) and f.decimal_places == 2 and f.max_digits >= 8]


def _money_column(field: models.Field):
    @admin.display(description=field.verbose_name, ordering=field.name)
    def column(obj):
        return format_money(getattr(obj, field.name), getattr(obj, "currency", None)
                            or settings.MARKETPLACE_CURRENCY)

    column.__name__ = field.name + SUFFIX
    return column


class MoneyAdminMixin:
    """For a ModelAdmin or an inline: its money columns and read-only money fields show the currency.
    Editable money fields stay plain number inputs."""

    money_fields: Iterable[str] | None = None  # None: every money field of the model

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = money_field_names(self.model) if self.money_fields is None else list(self.money_fields)
        self._money = {name: name + SUFFIX for name in names}
        for name in names:
            setattr(self, name + SUFFIX, _money_column(self.model._meta.get_field(name)))

    def _swap(self, names, only: Iterable[str] | None = None):
        only = set(self._money) if only is None else set(only) & set(self._money)
        return [self._money[name] if isinstance(name, str) and name in only else name for name in names]

    def get_list_display(self, request):
        return self._swap(super().get_list_display(request))

    def _readonly_money(self, request, obj) -> list[str]:
        readonly = set(super().get_readonly_fields(request, obj))
        if not self.has_change_permission(request, obj):
            return list(self._money)  # a view-only page shows every field read-only
        return [name for name in self._money if name in readonly]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [self._money[name] for name in self._readonly_money(request, obj)
                           if self._money[name] not in readonly]

    def get_fieldsets(self, request, obj=None):
        swap = self._readonly_money(request, obj)
        fieldsets = []
        for title, options in super().get_fieldsets(request, obj):
            fields = [tuple(self._swap(row, swap)) if isinstance(row, (list, tuple))
                      else self._swap([row], swap)[0] for row in options.get("fields", ())]
            # A money field that get_fields added back next to its display (it is excluded from the
            # form as read-only, then listed again as a read-only name) is shown once.
            seen, unique = set(), []
            for row in fields:
                key = row if isinstance(row, str) else tuple(row)
                if key not in seen:
                    seen.add(key)
                    unique.append(row)
            fieldsets.append((title, {**options, "fields": unique}))
        return fieldsets
