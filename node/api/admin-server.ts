/** The node's admin HTTP API (loopback by default): status now; commands in later issues. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export class AdminServer {
  private readonly app: FastifyInstance;

  constructor(
    private readonly listen: string,
    status: () => unknown,
    private readonly log: Logger,
  ) {
    this.app = Fastify({ logger: false });
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
