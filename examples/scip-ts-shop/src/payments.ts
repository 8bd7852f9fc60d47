// Charging customers through the payment provider, and refunds.
import { pool } from "./db";

export class PaymentService {
  async charge(orderId: number, amountCents: number): Promise<number> {
    const id = await this.authorize(orderId, amountCents);
    await this.capture(id);
    return id;
  }

  async authorize(orderId: number, amountCents: number): Promise<number> {
    const result = await pool.query<{ id: number }>(
      "INSERT INTO payments (order_id, amount_cents) VALUES ($1, $2) RETURNING id",
      [orderId, amountCents],
    );
    return result.rows[0].id;
  }

  async capture(paymentId: number): Promise<void> {
    await pool.query("UPDATE payments SET captured = true WHERE id = $1", [paymentId]);
  }

  async refund(paymentId: number): Promise<void> {
    await pool.query("DELETE FROM payments WHERE id = $1", [paymentId]);
  }
}
