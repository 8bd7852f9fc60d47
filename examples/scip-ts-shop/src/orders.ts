// Checkout and order history.
import * as catalog from "./catalog";
import { pool, Order } from "./db";
import { PaymentService } from "./payments";

export class OrderService {
  constructor(private readonly payments: PaymentService) {}

  async place(productId: number, quantity: number): Promise<Order> {
    if (!(await catalog.reserveStock(productId, quantity))) {
      throw new Error("out of stock");
    }
    const total = await catalog.priceOf(productId, quantity);
    const order = await this.save(productId, quantity, total);
    await this.payments.charge(order.id, total);
    return order;
  }

  async save(productId: number, quantity: number, totalCents: number): Promise<Order> {
    const result = await pool.query<Order>(
      "INSERT INTO orders (product_id, quantity, total_cents, status) VALUES ($1, $2, $3, 'placed') RETURNING *",
      [productId, quantity, totalCents],
    );
    return result.rows[0];
  }

  async history(): Promise<Order[]> {
    const result = await pool.query<Order>("SELECT * FROM orders ORDER BY id DESC");
    return result.rows;
  }

  async cancel(orderId: number): Promise<void> {
    await pool.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [orderId]);
  }
}
