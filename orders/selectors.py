"""Reads about carts and orders: the cart grouped by seller, a shopper's orders, a seller's orders."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from sellers.models import Listing, Seller, buyable_q

from . import guest_access
from .models import (
    Cart,
    CartLine,
    Order,
    OrderLine,
    PayoutEntry,
    ReturnRequest,
    SellerOrder,
    SellerOrderTransition,
)

EXPRESS_SURCHARGE = Decimal("9.90")  # per seller order: each seller ships its own parcel
ZERO = Decimal("0.00")


# A cart line the shopper can buy: its listing is buyable (sellers.models.buyable_q). The cart page
# counts and totals only these lines (cart_summary), and the header counts the same units.
LINE_BUYABLE = buyable_q("listing__")


def cart_item_count(*, request) -> int:
    """Units in the visitor's cart that can be bought, as the cart page counts them
    (CartSummary.item_count), in one query (none for a visitor without a cart)."""
    if request.user.is_authenticated:
        lines = CartLine.objects.filter(cart__user=request.user)
    elif request.session.get("cart_id"):
        lines = CartLine.objects.filter(cart_id=request.session["cart_id"], cart__user__isnull=True)
    else:
        return 0
    return lines.filter(LINE_BUYABLE).aggregate(n=Sum("quantity"))["n"] or 0


def cart_for_request(*, request) -> Cart | None:
    """The visitor's cart if it has one: the user's, or the anonymous session's."""
    if request.user.is_authenticated:
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get("cart_id")
    if cart_id:
        return Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    return None


def shipping_fee_for(*, seller: Seller, shipping_method: str) -> Decimal:
    fee = seller.shipping_fee
    if shipping_method == Order.ShippingMethod.EXPRESS:
        fee += EXPRESS_SURCHARGE
    return fee


@dataclass
class CartLineView:
    line: CartLine
    listing: Listing
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    price_changed: bool
    previous_price: Decimal
    available: int
    problem: str = ""  # "unavailable" (cannot be bought at all) or "short" (fewer left)
    # For an unavailable line: the buy box of the same product × grade now, offered instead.
    replacement: Listing | None = None

    @property
    def can_checkout(self) -> bool:
        return not self.problem


@dataclass
class SellerGroup:
    seller: Seller
    lines: list[CartLineView] = field(default_factory=list)
    subtotal: Decimal = ZERO
    shipping_fee: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_fee


@dataclass
class CartSummary:
    """The lines that can be bought, grouped by seller, make the totals; the lines that cannot
    (sold out, offline, seller suspended) are apart in `unavailable` and count nowhere."""

    cart: Cart | None
    groups: list[SellerGroup]
    shipping_method: str
    unavailable: list[CartLineView] = field(default_factory=list)

    @property
    def lines(self) -> list[CartLineView]:
        return [line for group in self.groups for line in group.lines]

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.unavailable

    @property
    def item_count(self) -> int:
        """Units of the lines that can be bought (the header's count, cart_item_count)."""
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((g.subtotal for g in self.groups), ZERO)

    @property
    def shipping_total(self) -> Decimal:
        return sum((g.shipping_fee for g in self.groups), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_total

    @property
    def problems(self) -> list[CartLineView]:
        return [line for line in self.lines if line.problem] + self.unavailable

    @property
    def can_checkout(self) -> bool:
        return not self.is_empty and not self.problems


_LISTING_BUYABLE = ExpressionWrapper(LINE_BUYABLE, output_field=BooleanField())


def cart_summary(*, cart: Cart | None,
                 shipping_method: str = Order.ShippingMethod.STANDARD) -> CartSummary:
    """The cart grouped by seller with each seller's shipping fee, in one query.

    Prices come from the listings as they are now; a price changed since the line was added
    and a line that can no longer be bought (or not in that quantity) are flagged.
    """
    if cart is None:
        return CartSummary(cart=None, groups=[], shipping_method=shipping_method)
    lines = (
        CartLine.objects.filter(cart=cart)
        .select_related("listing__seller", "listing__product__model")
        .annotate(listing_buyable=_LISTING_BUYABLE)
        .order_by("listing__seller__name", "listing__seller_id", "created_at", "pk")
    )
    groups: dict[int, SellerGroup] = {}
    unavailable: list[CartLineView] = []
    for line in lines:
        listing = line.listing
        problem = ""
        if not line.listing_buyable:  # the one definition, in SQL (sellers.models.buyable_q)
            problem = "unavailable"
        elif line.quantity > listing.available:
            problem = "short"
        view = CartLineView(
            line=line, listing=listing, quantity=line.quantity, unit_price=listing.price,
            line_total=listing.price * line.quantity,
            price_changed=listing.price != line.price_when_added,
            previous_price=line.price_when_added, available=max(listing.available, 0),
            problem=problem,
        )
        if problem == "unavailable":
            unavailable.append(view)
            continue
        group = groups.setdefault(listing.seller_id, SellerGroup(seller=listing.seller))
        group.lines.append(view)
        group.subtotal += view.line_total
    for group in groups.values():
        group.shipping_fee = shipping_fee_for(seller=group.seller, shipping_method=shipping_method)
    if unavailable:
        replacements = cart_replacements(listings=[view.listing for view in unavailable])
        for view in unavailable:
            view.replacement = replacements.get(view.listing.pk)
    return CartSummary(cart=cart, groups=list(groups.values()), shipping_method=shipping_method,
                       unavailable=unavailable)


def cart_replacements(*, listings: list[Listing]) -> dict[int, Listing]:
    """For each listing, the buy box of its product × grade now (another offer: the listing itself
    is not buyable), in one query: what the cart offers in place of a line that sold out."""
    from sellers.selectors import buy_boxes

    winners = buy_boxes(product_ids={listing.product_id for listing in listings})
    found = {}
    for listing in listings:
        winner = winners.get((listing.product_id, listing.grade))
        if winner is not None and winner.pk != listing.pk:
            found[listing.pk] = winner
    return found


def order_for_visitor(*, request, number: str) -> Order:
    """The order if this visitor placed it (their account; for a guest, this browser's signed
    cookie for the order, see orders.guest_access), else 404."""
    order = (
        Order.objects.filter(number=number)
        .prefetch_related(
            Prefetch("seller_orders", queryset=SellerOrder.objects.select_related("seller")
                     .prefetch_related(Prefetch("lines", queryset=OrderLine.objects
                                                .select_related("return_request").order_by("pk")))
                     .order_by("seller__name")),
            "payments",
        )
        .first()
    )
    if order is None:
        raise Http404
    if order.user_id is not None:
        if request.user.is_authenticated and request.user.pk == order.user_id:
            return order
        raise Http404
    if guest_access.access_allowed(request=request, order=order):
        return order
    raise Http404


def orders_for_user(*, user):
    """A shopper's orders, newest first, with their seller orders (two queries)."""
    return (
        Order.objects.filter(user=user)
        .prefetch_related(Prefetch("seller_orders",
                                   queryset=SellerOrder.objects.select_related("seller").order_by("seller__name")))
        .order_by("-created_at")
    )


# --- Seller back office and the seller API -------------------------------------------------------
S = SellerOrder.State
SELLER_ORDER_TABS: dict[str, tuple[str, tuple[str, ...]]] = {  # tab → (label, states)
    "to_accept": (_("To accept"), (S.PAID,)),
    "to_ship": (_("To ship"), (S.ACCEPTED,)),
    "shipped": (_("Shipped"), (S.SHIPPED,)),
    "delivered": (_("Delivered"), (S.DELIVERED,)),
    "cancelled": (_("Cancelled"), (S.CANCELLED, S.REFUNDED)),
    "returns": (_("Returns"), ()),
}


@dataclass
class Tab:
    key: str
    label: str
    count: int


def seller_order_tabs(*, seller: Seller) -> list[Tab]:
    """Each tab of the seller's orders page with its count, in one query."""
    open_returns = Q(returns__state__in=ReturnRequest.OPEN_STATES)
    aggregates = {key: Count("pk", filter=Q(state__in=states), distinct=True)
                  for key, (_label, states) in SELLER_ORDER_TABS.items() if states}
    aggregates["returns"] = Count("pk", filter=open_returns, distinct=True)
    counts = SellerOrder.objects.filter(seller=seller).aggregate(**aggregates)
    return [Tab(key, str(label), counts[key]) for key, (label, _states) in SELLER_ORDER_TABS.items()]


def seller_orders(*, seller: Seller, tab: str = "to_accept", q: str = "", date_from=None, date_to=None,
                  shipping_method: str = ""):
    """The seller's orders of one tab, filtered and searched (order number, shopper name or e-mail,
    tracking number), oldest first where the seller must act, newest first otherwise."""
    queryset = SellerOrder.objects.filter(seller=seller)
    if tab == "returns":
        queryset = queryset.filter(pk__in=ReturnRequest.objects.filter(
            seller_order__seller=seller, state__in=ReturnRequest.OPEN_STATES).values("seller_order_id"))
    else:
        queryset = queryset.filter(state__in=SELLER_ORDER_TABS.get(tab, SELLER_ORDER_TABS["to_accept"])[1])
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(order__number__iexact=q) | Q(order__number__istartswith=q)
                                   | Q(order__ship_full_name__icontains=q) | Q(order__email__iexact=q)
                                   | Q(tracking_number__iexact=q))
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    if shipping_method:
        queryset = queryset.filter(order__shipping_method=shipping_method)
    ordering = ["paid_at", "pk"] if tab in ("to_accept", "to_ship") else ["-created_at", "-pk"]
    return (queryset.select_related("order")
            .annotate(units=Sum("lines__quantity"))
            .order_by(*ordering))


def seller_order_get(*, seller: Seller, pk) -> SellerOrder:
    """The seller's own seller order with everything its detail page shows, or 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    seller_order = (
        SellerOrder.objects.filter(seller=seller, pk=pk)
        .select_related("order", "seller")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("return_request")
                     .prefetch_related("serials").order_by("pk")),
            Prefetch("transitions", queryset=SellerOrderTransition.objects.select_related("actor")),
            "refunds",
        )
        .first()
    )
    if seller_order is None:
        raise Http404
    return seller_order


def seller_orders_missed(*, seller: Seller) -> int:
    """Seller orders cancelled because the seller did not accept them in time (count against it)."""
    missed = SellerOrder.CancelCause.NOT_ACCEPTED
    return SellerOrder.objects.filter(seller=seller, cancel_cause=missed).count()


def payout_entries(*, seller: Seller):
    return (PayoutEntry.objects.filter(seller=seller)
            .select_related("seller_order__order", "payout", "trade_in")  # trade-ins bought, their fee
            .order_by("-created_at", "-pk"))
