/**
 * The LAM's local API, for the SIP application (and `tandem lam inject`):
 *   POST /rus[?durable=true]   body: one RU or an array of RUs (docs/ru-format.md)
 *   POST /sip-events[?durable=true]  body: one SIP event or an array (docs/sessions.md), when
 *                              sessions.enabled: the session model makes the records
 *   GET  /status
 *   GET  /metrics               Prometheus text exposition (docs/metrics.md)
 * Listens on a Unix socket (mode 0660: the daemon's user and group) or on host:port, where every
 * request must carry `Authorization: Bearer <agent.apiToken>` (401 otherwise; D26).
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { bearerToken, sameToken } from '../kernel/http/bearer.js';
import { exposition } from '../kernel/metrics.js';
import type { LamAgent } from './agent.js';
import { RuRejected } from './agent.js';
import { type SessionIntake, SipEventRejected } from './sessions/session-intake.js';

export class LamApi {
  private readonly app: FastifyInstance;

  constructor(
    agent: LamAgent,
    private readonly listenOn: string,
    /** '' : no token (only allowed on a Unix socket, by lamAgentSchema). */
    token: string,
    /** undefined: sessions.enabled is false and /sip-events answers 404. */
    sessions?: SessionIntake,
  ) {
    this.app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
    if (token !== '')
      this.app.addHook('onRequest', async (req, reply) => {
        const presented = bearerToken(req.headers.authorization);
        if (presented === undefined || !sameToken(presented, token)) {
          agent.counters.apiUnauthenticated++;
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer')
            .send({
              error:
                presented === undefined
                  ? 'authentication required: Authorization: Bearer <token>'
                  : 'the token is not valid',
            });
        }
      });
    this.app.post<{ Querystring: { durable?: string } }>('/rus', async (req, reply) => {
      const durable = req.query.durable === 'true' || req.query.durable === '1';
      const body = req.body;
      const list = Array.isArray(body) ? body : [body];
      try {
        await agent.submitMany(list, { durable });
        return reply.code(durable ? 200 : 202).send({ accepted: list.length, durable });
      } catch (err) {
        if (err instanceof RuRejected) {
          return reply.code(err.httpStatus).send({ error: err.message, field: err.field || undefined });
        }
        return reply.code(503).send({ error: (err as Error).message });
      }
    });
    this.app.post<{ Querystring: { durable?: string } }>('/sip-events', async (req, reply) => {
      if (!sessions)
        return reply.code(404).send({ error: 'SIP events are off on this LAM: set sessions.enabled: true' });
      const durable = req.query.durable === 'true' || req.query.durable === '1';
      try {
        const done = await sessions.receive(req.body, { durable });
        return reply.code(durable ? 200 : 202).send({ ...done, durable });
      } catch (err) {
        if (err instanceof SipEventRejected || err instanceof RuRejected)
          return reply.code(err.httpStatus).send({ error: err.message, field: err.field || undefined });
        return reply.code(503).send({ error: (err as Error).message });
      }
    });
    this.app.get('/status', async () => ({ ...agent.status(), sessions: sessions?.status() ?? null }));
    this.app.get('/metrics', async (_req, reply) => {
      const { contentType, body } = await exposition(agent.metrics.registry);
      return reply.type(contentType).send(body);
    });
  }

  async start(): Promise<void> {
    if (this.listenOn.startsWith('/')) {
      mkdirSync(dirname(this.listenOn), { recursive: true, mode: 0o750 });
      rmSync(this.listenOn, { force: true });
      await this.app.listen({ path: this.listenOn });
      chmodSync(this.listenOn, 0o660);
    } else {
      const i = this.listenOn.lastIndexOf(':');
      await this.app.listen({ host: this.listenOn.slice(0, i), port: Number(this.listenOn.slice(i + 1)) });
    }
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}

/** The base URL (and, for a Unix socket, the socket path) a client uses for `listenOn`. */
export function apiTarget(listenOn: string): { url: string; socketPath?: string } {
  return listenOn.startsWith('/')
    ? { url: 'http://localhost', socketPath: listenOn }
    : { url: `http://${listenOn}` };
}
