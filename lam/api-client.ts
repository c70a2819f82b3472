/** A small client of the LAM's local API (TCP loopback or Unix socket). */
import { request } from 'node:http';
import { apiTarget } from './api.js';

/** Where a LAM's API listens and the token it requires ('' on a Unix socket without one). */
export interface LamApiAddress {
  listen: string;
  token: string;
}

export async function callLamApi(
  { listen: listenOn, token }: LamApiAddress,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = apiTarget(listenOn);
  const url = new URL(path, target.url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        socketPath: target.socketPath,
        host: target.socketPath ? undefined : url.hostname,
        port: target.socketPath ? undefined : url.port,
        path: url.pathname + url.search,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { error: text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`LAM API did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
