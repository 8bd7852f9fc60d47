// The database: one PostgreSQL pool shared by the shop's modules.
import { Pool } from "pg";

export const pool = new Pool({ connectionString: process.env.DATABASE_URL });

export interface Product {
  id: number;
  name: string;
  priceCents: number;
  stock: number;
}

export interface Order {
  id: number;
  productId: number;
  quantity: number;
  totalCents: number;
  status: string;
}
