// The HTTP layer: Express routes over the shop's modules.
import express, { Request, Response } from "express";

import * as catalog from "./catalog";
import { OrderService } from "./orders";
import { PaymentService } from "./payments";

const orders = new OrderService(new PaymentService());

export async function listProducts(_req: Request, res: Response): Promise<void> {
  res.json(await catalog.listProducts());
}

export async function showProduct(req: Request, res: Response): Promise<void> {
  const product = await catalog.findProduct(Number(req.params.id));
  if (product) {
    res.json(product);
  } else {
    res.status(404).end();
  }
}

export async function createOrder(req: Request, res: Response): Promise<void> {
  const order = await orders.place(req.body.productId, req.body.quantity);
  res.status(201).json(order);
}

export async function orderHistory(_req: Request, res: Response): Promise<void> {
  res.json(await orders.history());
}

export async function cancelOrder(req: Request, res: Response): Promise<void> {
  await orders.cancel(Number(req.params.id));
  res.status(204).end();
}

export function routes(): express.Express {
  const app = express();
  app.use(express.json());
  app.get("/products", listProducts);
  app.get("/products/:id", showProduct);
  app.post("/orders", createOrder);
  app.get("/orders", orderHistory);
  app.delete("/orders/:id", cancelOrder);
  return app;
}
