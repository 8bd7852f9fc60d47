"""Checkout and order history."""
from sqlalchemy import select

from shop import catalog, payments
from shop.db import Order, session


def place_order(product_id: int, quantity: int) -> Order:
    if not catalog.reserve_stock(product_id, quantity):
        raise ValueError("out of stock")
    total = catalog.price_of(product_id, quantity)
    order = save_order(product_id, quantity, total)
    payments.charge(order.id, total)
    return order


def save_order(product_id: int, quantity: int, total_cents: int) -> Order:
    order = Order(product_id=product_id, quantity=quantity, total_cents=total_cents, status="placed")
    with session() as s:
        s.add(order)
        s.commit()
    return order


def order_history() -> list[Order]:
    with session() as s:
        return list(s.scalars(select(Order)))


def cancel_order(order_id: int) -> None:
    with session() as s:
        order = s.get(Order, order_id)
        if order is not None:
            order.status = "cancelled"
            s.commit()
