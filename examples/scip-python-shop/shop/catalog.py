"""Products, prices and stock."""
from sqlalchemy import select

from shop.db import Product, session


def find_product(product_id: int) -> Product | None:
    with session() as s:
        return s.get(Product, product_id)


def list_products() -> list[Product]:
    with session() as s:
        return list(s.scalars(select(Product)))


def price_of(product_id: int, quantity: int) -> int:
    product = find_product(product_id)
    if product is None:
        raise KeyError(product_id)
    return apply_discount(product.price_cents * quantity, quantity)


def apply_discount(total_cents: int, quantity: int) -> int:
    if quantity >= 10:
        return total_cents * 9 // 10
    return total_cents


def reserve_stock(product_id: int, quantity: int) -> bool:
    with session() as s:
        product = s.get(Product, product_id)
        if product is None or product.stock < quantity:
            return False
        product.stock -= quantity
        s.commit()
        return True
