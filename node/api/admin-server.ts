/**
 * The node's admin HTTP API (loopback by default): `GET /status`, `GET /health`, and the operator
 * commands of the pair: `POST /commands/{switchover,failover,restore,maintenance}`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export class AdminServer {
  private readonly app: FastifyInstance;

  constructor(
    private readonly listen: string,
    status: () => unknown,
    private readonly log: Logger,
    command?: (c: AdminCommand) => Promise<unknown>,
  ) {
    this.app = Fastify({ logger: false });
    this.app.post<{ Params: { name: string }; Body: unknown }>('/commands/:name', async (req, reply) => {
      const parsed = parseCommand(req.params.name, req.body);
      if ('error' in parsed) return reply.code(400).send({ error: parsed.error });
      if (!command) return reply.code(409).send({ error: 'this node takes no commands' });
      try {
        const result = await command(parsed.command);
        this.log.info({ command: parsed.command }, 'operator command accepted');
        return { ok: true, result };
      } catch (err) {
        return reply.code(409).send({ error: (err as Error).message });
      }
    });
    this.app.get('/status', async () => status());
    this.app.get('/health', async (_req, reply) => {
      const s = status() as { accepting: boolean; refusal: string | null };
      return reply.code(s.accepting ? 200 : 503).send({ accepting: s.accepting, refusal: s.refusal });
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
