import { request } from "node:http";
import type { Registrar } from "./register.ts";

/**
 * Consul's way to a key with a TTL: a session with `TTL` and `Behavior: delete`, and the key
 * acquired by it (`PUT /v1/kv/<key>?acquire=<session>`). Renewing is `PUT /v1/session/renew/<id>`;
 * a 404 means the session expired (and Consul deleted the key), so a new one is made. Consul
 * accepts TTLs from 10 s to 24 h and may keep an expired session up to twice its TTL.
 */
export function consulRegistrar(hosts: string[], key: string, address: string, ttlMs: number): Registrar {
  let session: string | undefined;
  let member = 0;
  const call = async (method: string, path: string, body?: string) => {
    const host = hosts[member % hosts.length]!;
    try {
      return await send(host, method, path, body);
    } catch (err) {
      member++; // the next attempt asks another member
      throw err;
    }
  };
  const kvPath = `/v1/kv/${key.split("/").map(encodeURIComponent).join("/")}`;
  return {
    key,
    async renew() {
      if (session) {
        const r = await call("PUT", `/v1/session/renew/${session}`);
        if (r.status === 200) return "renewed";
        if (r.status !== 404)
          throw new Error(`consul: session renew: HTTP ${r.status}: ${r.body.slice(0, 200)}`);
        session = undefined;
      }
      const created = await call(
        "PUT",
        "/v1/session/create",
        JSON.stringify({
          Name: "libswarm-join",
          TTL: `${Math.ceil(ttlMs / 1000)}s`,
          Behavior: "delete",
          LockDelay: "0s",
        }),
      );
      if (created.status !== 200)
        throw new Error(`consul: session create: HTTP ${created.status}: ${created.body.slice(0, 200)}`);
      const id = (JSON.parse(created.body) as { ID?: string }).ID;
      if (!id) throw new Error("consul: session create answered no ID");
      let acquired = await call("PUT", `${kvPath}?acquire=${id}`, address);
      if (acquired.status === 200 && acquired.body.trim() === "false") {
        // Still held by an older session of ours (join restarted): take the key over.
        await call("DELETE", kvPath);
        acquired = await call("PUT", `${kvPath}?acquire=${id}`, address);
      }
      if (acquired.status !== 200 || acquired.body.trim() !== "true")
        throw new Error(`consul: acquire ${key}: HTTP ${acquired.status}: ${acquired.body.slice(0, 200)}`);
      session = id;
      return "registered";
    },
    close() {},
  };
}

function send(
  host: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  const i = host.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: host.slice(0, i).replace(/^\[|\]$/g, ""),
        port: Number(host.slice(i + 1)),
        method,
        path,
        timeout: 5000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`consul ${host}: no answer within 5 s`)));
    req.on("error", reject);
    req.end(body);
  });
}
