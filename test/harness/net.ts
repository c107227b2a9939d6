import { type AddressInfo, connect, createServer } from "node:net";

/** A tcp port on 127.0.0.1 that was free a moment ago (another process may take it before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Does the unix socket at a path, or the tcp port at host:port, accept a connection now? */
export function canConnect(to: string | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(typeof to === "string" ? { path: to } : to);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
