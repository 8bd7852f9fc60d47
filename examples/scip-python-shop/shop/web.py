"""The HTTP layer: Flask routes over the shop's modules."""
from flask import Flask, jsonify, request

from shop import catalog, orders

app = Flask(__name__)


def product_json(product) -> dict:
    return {"id": product.id, "name": product.name, "price_cents": product.price_cents}


@app.route("/products")
def products():
    return jsonify([product_json(p) for p in catalog.list_products()])


@app.route("/products/<int:product_id>")
def product(product_id: int):
    found = catalog.find_product(product_id)
    return jsonify(product_json(found)) if found else ("not found", 404)


@app.post("/orders")
def create_order():
    body = request.get_json()
    order = orders.place_order(body["product_id"], body["quantity"])
    return jsonify({"id": order.id, "total_cents": order.total_cents}), 201


@app.get("/orders")
def history():
    return jsonify([{"id": o.id, "status": o.status} for o in orders.order_history()])


@app.delete("/orders/<int:order_id>")
def cancel(order_id: int):
    orders.cancel_order(order_id)
    return "", 204
