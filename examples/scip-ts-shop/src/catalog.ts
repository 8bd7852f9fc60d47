// Products, prices and stock.
import { pool, Product } from "./db";

export async function findProduct(id: number): Promise<Product | undefined> {
  const result = await pool.query<Product>("SELECT * FROM products WHERE id = $1", [id]);
  return result.rows[0];
}

export async function listProducts(): Promise<Product[]> {
  const result = await pool.query<Product>("SELECT * FROM products ORDER BY name");
  return result.rows;
}

export function applyDiscount(totalCents: number, quantity: number): number {
  return quantity >= 10 ? Math.floor((totalCents * 9) / 10) : totalCents;
}

export async function priceOf(id: number, quantity: number): Promise<number> {
  const product = await findProduct(id);
  if (!product) {
    throw new Error(`no product ${id}`);
  }
  return applyDiscount(product.priceCents * quantity, quantity);
}

export async function reserveStock(id: number, quantity: number): Promise<boolean> {
  const result = await pool.query(
    "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2",
    [id, quantity],
  );
  return result.rowCount === 1;
}
