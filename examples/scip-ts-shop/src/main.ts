// Starts the shop's HTTP server.
import { routes } from "./web";

export function main(): void {
  routes().listen(Number(process.env.PORT ?? 3000));
}

main();
