/**
 * The node's admin HTTP API (loopback by default): `GET /status`, `GET /health`, `GET /metrics`
 * (Prometheus, docs/metrics.md), `GET /alarms` (active alarms and their history), and the operator
 * commands of the pair: `POST /commands/{switchover,failover,restore,maintenance}`.
 *
 * With `node.adminTokensFile`, every route but /health needs a bearer token (401 without one):
 * readers may read, operators may also command (403 otherwise). Every command request, whatever
 * its outcome, is written to the audit log before it is answered.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AlarmEvent, AlarmRegistry } from '../../kernel/alarms.js';
import { exposition, type Registry } from '../../kernel/metrics.js';
import type { AuditEntry, AuditLog } from './audit-log.js';
import { type Access, allows, authenticate, type Operator, type OperatorTokens } from './operators.js';

/** What the API serves and acts on: the node. */
export interface AdminTarget {
  status(): { accepting: boolean; refusal: string | null };
  /** An operator command; throws with the reason when refused. */
  command(c: AdminCommand): Promise<unknown>;
}

export interface AdminServerDeps {
  /** host:port (node.adminListen). */
  listen: string;
  node: AdminTarget;
  alarms: AlarmRegistry;
  metrics: Registry;
  /** undefined: no authentication (only for a loopback adminListen; see docs/security.md). */
  tokens?: OperatorTokens;
  audit: AuditLog;
  log: Logger;
}

/** Who may call a route: anyone ('open': probes), else a token that `allows` the access. */
type RouteAccess = 'open' | Access;
const OPEN = { config: { access: 'open' as RouteAccess } };
const COMMAND = { config: { access: 'command' as RouteAccess } };
/** A route without an access (and a path no route matches) needs a reader at least. */
const accessOf = (req: FastifyRequest): RouteAccess =>
  (req.routeOptions.config as { access?: RouteAccess } | undefined)?.access ?? 'read';

export class AdminServer {
  private readonly app: FastifyInstance;
  private readonly listen: string;
  private readonly log: Logger;

  constructor(d: AdminServerDeps) {
    this.listen = d.listen;
    this.log = d.log;
    this.app = Fastify({ logger: false });
    // Who is calling, before any route runs: 401 without a valid token, 403 for a reader's command.
    // By the route that matched, never by the raw URL: `/%63ommands/…` routes to a command too.
    this.app.addHook('onRequest', async (req, reply) => {
      const access = accessOf(req);
      if (!d.tokens || access === 'open') return;
      const auth = authenticate(d.tokens.current(), req.headers.authorization);
      const command = access === 'command';
      if (!auth.ok || !allows(auth.operator.role, access)) {
        const status = auth.ok ? 403 : 401;
        const error = auth.ok
          ? `${auth.operator.name} is a ${auth.operator.role}: commands need the operator role`
          : auth.error;
        if (command)
          await d.audit.append({
            at: new Date().toISOString(),
            operator: auth.ok ? auth.operator.name : null,
            role: auth.ok ? auth.operator.role : null,
            from: req.ip,
            command: (req.params as { name?: string }).name ?? req.url,
            body: null,
            result: auth.ok ? 'forbidden' : 'unauthenticated',
            detail: error,
          });
        return reply.code(status).header('www-authenticate', 'Bearer').send({ error });
      }
      if (auth.ok) (req as { operator?: Operator }).operator = auth.operator;
    });
    this.app.post<{ Params: { name: string }; Body: unknown }>(
      '/commands/:name',
      COMMAND,
      async (req, reply) => {
        const who = (req as { operator?: Operator }).operator;
        const audit = (result: AuditEntry['result'], detail: string) =>
          d.audit.append({
            at: new Date().toISOString(),
            operator: who?.name ?? (d.tokens ? null : 'local'),
            role: who?.role ?? null,
            from: req.ip,
            command: req.params.name,
            body: req.body ?? null,
            result,
            detail,
          });
        const parsed = parseCommand(req.params.name, req.body);
        if ('error' in parsed) {
          await audit('invalid', parsed.error);
          return reply.code(400).send({ error: parsed.error });
        }
        try {
          const result = await d.node.command(parsed.command);
          await audit('accepted', JSON.stringify(result ?? null));
          this.log.info({ command: parsed.command, operator: who?.name }, 'operator command accepted');
          return { ok: true, result };
        } catch (err) {
          await audit('refused', (err as Error).message);
          return reply.code(409).send({ error: (err as Error).message });
        }
      },
    );
    this.app.get('/status', async () => d.node.status());
    this.app.get('/health', OPEN, async (_req, reply) => {
      const s = d.node.status();
      return reply.code(s.accepting ? 200 : 503).send({ accepting: s.accepting, refusal: s.refusal });
    });
    this.app.get('/metrics', async (_req, reply) => {
      const m = await exposition(d.metrics);
      return reply.header('content-type', m.contentType).send(m.body);
    });
    this.app.get<{ Querystring: Record<string, string | undefined> }>('/alarms', async (req, reply) => {
      const filter = parseAlarmFilter(req.query);
      if ('error' in filter) return reply.code(400).send({ error: filter.error });
      return { active: d.alarms.list(), history: filterAlarmEvents(d.alarms.events(), filter.filter) };
    });
  }

  async start(): Promise<void> {
    const i = this.listen.lastIndexOf(':');
    const host = this.listen.slice(0, i);
    const port = Number(this.listen.slice(i + 1));
    try {
      await this.app.listen({ host, port });
    } catch (err) {
      throw new Error(`cannot listen on ${this.listen} (node.adminListen): ${(err as Error).message}`);
    }
    this.log.info({ listen: this.listen }, 'admin API up');
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}

export type AdminCommand =
  | { kind: 'switchover'; to: string }
  | { kind: 'failover' }
  | { kind: 'restore' }
  | { kind: 'maintenance'; on: boolean };

/** Checks a command request; the error names what was wrong. */
export function parseCommand(name: string, body: unknown): { command: AdminCommand } | { error: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b !== 'object' || Array.isArray(b)) return { error: 'body: must be a JSON object' };
  switch (name) {
    case 'switchover':
      if (b.to === undefined) return { command: { kind: 'switchover', to: '' } }; // to the peer
      if (typeof b.to !== 'string' || !/^[A-Za-z0-9_.-]{1,32}$/.test(b.to))
        return { error: `to: ${JSON.stringify(b.to)} is not a node id; allowed: the peer's node.id` };
      return { command: { kind: 'switchover', to: b.to } };
    case 'failover':
    case 'restore':
      return { command: { kind: name } };
    case 'maintenance':
      if (typeof b.on !== 'boolean') return { error: `on: ${JSON.stringify(b.on)}; allowed: true or false` };
      return { command: { kind: 'maintenance', on: b.on } };
    default:
      return {
        error: `unknown command ${JSON.stringify(name)}; allowed: switchover, failover, restore, maintenance`,
      };
  }
}

export interface AlarmFilter {
  name?: string;
  kind?: AlarmEvent['kind'];
  /** ISO time: only events at or after it. */
  since?: string;
}

/** Checks `GET /alarms?name=&kind=&since=`; the error names the parameter that was wrong. */
export function parseAlarmFilter(
  q: Record<string, string | undefined>,
): { filter: AlarmFilter } | { error: string } {
  const known = new Set(['name', 'kind', 'since']);
  for (const k of Object.keys(q))
    if (!known.has(k)) return { error: `unknown parameter ${JSON.stringify(k)}; allowed: name, kind, since` };
  const filter: AlarmFilter = {};
  if (q.name !== undefined) {
    if (!/^[A-Za-z0-9]{1,64}$/.test(q.name))
      return { error: `name: ${JSON.stringify(q.name)} is not an alarm name` };
    filter.name = q.name;
  }
  if (q.kind !== undefined) {
    if (q.kind !== 'raised' && q.kind !== 'cleared' && q.kind !== 'updated')
      return { error: `kind: ${JSON.stringify(q.kind)}; allowed: raised, cleared, updated` };
    filter.kind = q.kind;
  }
  if (q.since !== undefined) {
    const ms = Date.parse(q.since);
    if (Number.isNaN(ms)) return { error: `since: ${JSON.stringify(q.since)} is not an ISO 8601 time` };
    filter.since = new Date(ms).toISOString();
  }
  return { filter };
}

export function filterAlarmEvents(events: readonly AlarmEvent[], f: AlarmFilter): AlarmEvent[] {
  return events.filter(
    (e) =>
      (f.name === undefined || e.alarm.name === f.name) &&
      (f.kind === undefined || e.kind === f.kind) &&
      (f.since === undefined || e.at >= f.since),
  );
}
