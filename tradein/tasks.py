"""Trade-in workers: the e-mail of each step and the three deadlines, thin and idempotent."""
from celery import shared_task

from . import emails, services
from .models import TradeIn


@shared_task(name="tradein.tasks.send_trade_in_notice")
def send_trade_in_notice(trade_in_id: int, event: str) -> int:
    trade_in = (TradeIn.objects.select_related("shopper", "seller", "product__model")
                .filter(pk=trade_in_id).first())
    return emails.trade_in_notice_send(trade_in=trade_in, event=event) if trade_in else 0


@shared_task(name="tradein.tasks.expire_unshipped_trade_ins")
def expire_unshipped_trade_ins() -> int:
    return services.trade_ins_expire_unshipped()


@shared_task(name="tradein.tasks.return_unanswered_counter_offers")
def return_unanswered_counter_offers() -> int:
    return services.trade_ins_return_unanswered()


@shared_task(name="tradein.tasks.confirm_uninspected_trade_ins")
def confirm_uninspected_trade_ins() -> int:
    return services.trade_ins_confirm_uninspected()


@shared_task(name="tradein.tasks.purge_old_quotes")
def purge_old_quotes() -> int:
    return services.trade_in_quotes_purge()
