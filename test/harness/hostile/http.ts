/**
 * Hostile requests to the node's admin API and the LAM's local API (both with tokens): no token,
 * a wrong or malformed one, a reader's token on commands (also spelled with percent-encoding),
 * malformed, deeply nested, huge or mistyped bodies, bad query parameters, unknown paths and
 * methods, invalid RUs (never a valid one: each request must be refused), and raw HTTP that a
 * client library would not send (huge headers, a broken request line). Each class has the statuses
 * it may get; any other status, and any 5xx, is a finding.
 */
import { connect } from 'node:net';
import { syntheticRu } from '../../../lam/synthetic.js';
import { between, noise, pick, type Random } from './prng.js';

export interface HttpTarget {
  /** e.g. http://127.0.0.1:7600 */
  url: string;
  kind: 'admin' | 'lam';
  /** admin: the operator's and the reader's token; lam: its one token (as operator). */
  tokens: { operator: string; reader?: string };
}

export interface HttpFuzzOptions {
  targets: HttpTarget[];
  requests: number;
  concurrency: number;
  /** uIDs of the hostile RUs start with this: none may ever be stored. */
  uidPrefix: string;
}

export interface HttpFuzzReport {
  requests: number;
  byClass: Record<string, number>;
  byStatus: Record<string, number>;
  findings: string[];
}

interface Request {
  cls: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The statuses this class may get. */
  allowed: number[];
  /** Raw bytes instead (what fetch would refuse to send). */
  raw?: Buffer;
}

const COMMANDS = ['switchover', 'maintenance', 'restore', 'failover', 'reload', 'nosuch'];
const SPELLINGS = (name: string) => [
  `/commands/${name}`,
  `/%63ommands/${name}`,
  `/commands/${encodeURIComponent(name).replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
  `/./commands/${name}`,
];

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const json = { 'content-type': 'application/json' };

/** An RU that is certainly invalid (the schema is strict), with a hostile uID. */
function invalidRu(random: Random, uid: string): Record<string, unknown> {
  const ru: Record<string, unknown> = { ...syntheticRu('Hostile', between(random, 0, 1000)), uID: uid };
  switch (between(random, 0, 7)) {
    case 0:
      delete ru.recTime;
      break;
    case 1:
      ru.type = 'Bogus';
      break;
    case 2:
      ru.recTime = 'yesterday';
      break;
    case 3:
      ru.appSrvID = 'x'.repeat(between(random, 2_049, 200_000));
      break;
    case 4:
      ru.unknownField = noise(random, 8).toString('hex');
      break;
    case 5:
      ru.proprietaryErrorCode = pick(random, [1.5, '7', null, {}]);
      break;
    case 6:
      ru.media = Array.from({ length: 17 }, () => ({}));
      break;
    default:
      ru.supplementaryService = 'not a list';
  }
  return ru;
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

function adminRequest(random: Random, t: HttpTarget): Request {
  const read = pick(random, ['/status', '/metrics', '/alarms']);
  const reader = t.tokens.reader ?? t.tokens.operator;
  switch (between(random, 0, 10)) {
    case 0:
      return { cls: 'admin no token', method: 'GET', path: read, allowed: [401] };
    case 1:
      return {
        cls: 'admin wrong token',
        method: 'GET',
        path: read,
        headers: bearer(noise(random, between(random, 12, 48)).toString('base64url')),
        allowed: [401],
      };
    case 2:
      return {
        cls: 'admin malformed authorization',
        method: 'GET',
        path: read,
        headers: {
          authorization: pick(random, [
            'Bearer',
            'Basic YWxpY2U6c2VjcmV0',
            `Bearer  ${t.tokens.operator}`,
            `bearer${t.tokens.operator}`,
            `Bearer ${'A'.repeat(4000)}`,
            `Bearer ${t.tokens.operator}\u00e9`.replace(/[^\x20-\x7e]/g, '?'),
          ]),
        },
        allowed: [401],
      };
    case 3:
      return {
        cls: 'admin reader command',
        method: 'POST',
        path: pick(random, SPELLINGS(pick(random, COMMANDS.slice(0, 5)))),
        headers: { ...bearer(reader), ...json },
        body: JSON.stringify(pick(random, [{}, { on: true }, { to: 'cam-b' }])),
        allowed: [403],
      };
    case 4:
      return {
        cls: 'admin no-token command',
        method: 'POST',
        path: pick(random, SPELLINGS(pick(random, COMMANDS))),
        headers: json,
        body: '{"on":true}',
        allowed: [401],
      };
    case 5: {
      // Bodies that are wrong for their command: never one that would run (no failover, no restore).
      const [command, bodies] = pick(random, [
        [
          'maintenance',
          [
            '{"on":',
            'null',
            '[]',
            '"on"',
            '{"on":"yes"}',
            '{"__proto__":{"on":true}}',
            '{"constructor":{"prototype":{"on":true}}}',
            nested(between(random, 1_000, 100_000)),
          ],
        ],
        [
          'switchover',
          ['{"to":42}', `{"to":"${'x'.repeat(5000)}"}`, '{"to":"../cam-b"}', '{"to":""}', '{"to":null}'],
        ],
        ['nosuch', ['{}', 'null']],
      ] as const);
      return {
        cls: 'admin operator malformed body',
        method: 'POST',
        path: `/commands/${command}`,
        headers: { ...bearer(t.tokens.operator), ...json },
        body: pick(random, bodies),
        allowed: [400],
      };
    }
    case 6:
      if (random() < 0.7) return adminRequest(random, t);
      return {
        cls: 'admin huge body',
        method: 'POST',
        path: '/commands/maintenance',
        headers: { ...bearer(t.tokens.operator), ...json },
        body: `{"on":true,"pad":"${'p'.repeat(between(random, 1_100_000, 3_000_000))}"}`,
        allowed: [413, -1], // -1: answered 413 and closed while the body was still being sent
      };
    case 7:
      return {
        cls: 'admin wrong content type',
        method: 'POST',
        path: '/commands/maintenance',
        headers: {
          ...bearer(t.tokens.operator),
          'content-type': pick(random, ['text/plain', 'application/xml', 'x/y']),
        },
        body: 'on=true',
        allowed: [400, 415], // 400: text is parsed as a string body, which is not a JSON object
      };
    case 8:
      return {
        cls: 'admin bad query',
        method: 'GET',
        path: `/alarms?${pick(random, ['since=yesterday', 'severity=apocalyptic', 'limit=-1', 'since=%ZZ', 'name=%00', `name=${'n'.repeat(9000)}`, 'since=1&since=2'])}`,
        headers: bearer(reader),
        allowed: [200, 400],
      };
    case 9:
      return {
        cls: 'admin unknown path or method',
        method: pick(random, ['GET', 'PUT', 'DELETE', 'PATCH']),
        path: pick(random, [
          '/../../etc/passwd',
          '/status/..',
          '/commands',
          '/nosuch',
          '/%2e%2e/%2e%2e',
          '/status%00',
        ]),
        headers: bearer(reader),
        allowed: [400, 404],
      };
    default:
      return rawRequest(random, t, 'admin');
  }
}

function lamRequest(random: Random, t: HttpTarget, uidPrefix: string, n: number): Request {
  const uid = `${uidPrefix}${n}`;
  const auth = bearer(t.tokens.operator);
  switch (between(random, 0, 7)) {
    case 0:
      return {
        cls: 'lam no token',
        method: 'POST',
        path: '/rus?durable=true',
        headers: json,
        body: JSON.stringify([invalidRu(random, uid)]),
        allowed: [401],
      };
    case 1:
      return {
        cls: 'lam wrong token',
        method: pick(random, ['GET', 'POST']),
        path: pick(random, ['/status', '/metrics', '/rus']),
        headers: { ...bearer(noise(random, 24).toString('base64url')), ...json },
        body: '[]',
        allowed: [401],
      };
    case 2:
    case 3:
      return {
        cls: 'lam invalid RUs',
        method: 'POST',
        path: pick(random, ['/rus', '/rus?durable=true', '/rus?durable=maybe', '/rus?durable=%ZZ']),
        headers: { ...auth, ...json },
        // A batch with one invalid RU is refused whole: valid ones beside it must not be stored.
        body: JSON.stringify(
          random() < 0.5
            ? invalidRu(random, uid)
            : [{ ...syntheticRu('Hostile', n), uID: `${uid}-valid` }, invalidRu(random, uid)],
        ),
        allowed: [400],
      };
    case 4:
      return {
        cls: 'lam malformed body',
        method: 'POST',
        path: '/rus',
        headers: { ...auth, ...json },
        body: pick(random, [
          '{',
          'null',
          '42',
          '"ru"',
          '[1,2,3]',
          '[null]',
          nested(between(random, 1_000, 100_000)),
          '{"__proto__":{}}',
        ]),
        allowed: [400],
      };
    case 5:
      // 17 MB each: rare, or they would be most of the bytes of a run.
      if (random() < 0.9) return lamRequest(random, t, uidPrefix, n);
      return {
        cls: 'lam huge body',
        method: 'POST',
        path: '/rus',
        headers: { ...auth, ...json },
        body: `[${'1,'.repeat(between(random, 8_500_000, 9_000_000))}1]`,
        allowed: [413, -1], // as for the admin API's huge body
      };
    case 6:
      return {
        cls: 'lam unknown path or method',
        method: pick(random, ['GET', 'PUT', 'DELETE']),
        path: pick(random, ['/rus', '/nosuch', '/../etc/passwd', '/status/x']),
        headers: auth,
        allowed: [404],
      };
    default:
      return rawRequest(random, t, 'lam');
  }
}

/** Requests fetch would not send: huge headers, a broken request line, a slow half request. */
function rawRequest(random: Random, t: HttpTarget, kind: string): Request {
  const raw = pick(random, [
    () =>
      Buffer.from(
        `GET /status HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(between(random, 20_000, 80_000))}\r\n\r\n`,
      ),
    () =>
      Buffer.from(
        `GET /status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.tokens.operator}\r\nContent-Length: -1\r\n\r\n`,
      ),
    () => Buffer.from('BREW /status HTCPCP/1.0\r\n\r\n'),
    () =>
      Buffer.concat([
        Buffer.from('GET /status HTTP/1.1\r\n'),
        noise(random, between(random, 1, 300)),
        Buffer.from('\r\n\r\n'),
      ]),
    () =>
      Buffer.from(
        'POST /rus HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
      ),
  ])();
  return { cls: `${kind} raw HTTP`, method: 'RAW', path: '', raw, allowed: [400, 401, 404, 405, 431, 0] };
}

/** The status of a raw request (0: the server closed without answering — allowed for garbage). */
function sendRaw(url: string, raw: Buffer): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(u.port), u.hostname);
    let head = '';
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('connect', () => socket.write(raw));
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    });
  });
}

async function send(t: HttpTarget, r: Request): Promise<number> {
  if (r.raw) return sendRaw(t.url, r.raw);
  try {
    const res = await fetch(`${t.url}${r.path}`, {
      method: r.method,
      headers: r.headers,
      body: r.method === 'GET' ? undefined : r.body,
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return -1; // no answer at all (the server hung up or timed out): a finding unless allowed
  }
}

export async function fuzzHttp(o: HttpFuzzOptions, random: Random): Promise<HttpFuzzReport> {
  const report: HttpFuzzReport = { requests: 0, byClass: {}, byStatus: {}, findings: [] };
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (report.requests < o.requests) {
        const n = report.requests++;
        const t = pick(random, o.targets);
        const r = t.kind === 'admin' ? adminRequest(random, t) : lamRequest(random, t, o.uidPrefix, n);
        const status = await send(t, r);
        report.byClass[r.cls] = (report.byClass[r.cls] ?? 0) + 1;
        report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
        if (!r.allowed.includes(status) && report.findings.length < 50)
          report.findings.push(
            `${r.cls}: ${r.method} ${r.path.slice(0, 80)} ${String(r.body ?? r.raw ?? '').slice(0, 60)} → ${status} (allowed ${r.allowed.join('/')})`,
          );
      }
    }),
  );
  return report;
}
