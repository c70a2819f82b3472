/** LAM agents for tests, pointed at a CAM on loopback, with a spool in a temporary directory. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../kernel/logger.js';
import { LamAgent, type LamAgentOptions } from '../../lam/agent.js';
import { parseLamConfigFile } from '../../lam/config.js';

export function lamConfig(
  cam: { primaryPort: number; recoveryPort: number },
  opts: {
    baseDir?: string;
    componentName: string;
    lam?: Record<string, unknown>;
    agent?: Record<string, unknown>;
  },
) {
  return parseLamConfigFile({
    lam: {
      componentName: opts.componentName,
      primaryCamIpAddress: '127.0.0.1',
      primaryCamPort: cam.primaryPort,
      recoveryCamIpAddress: '127.0.0.1',
      recoveryCamPort: cam.recoveryPort,
      baseFilePath: opts.baseDir ?? mkdtempSync(join(tmpdir(), 'tandem-lam-')),
      fileRotationTime: 1,
      fileRotationSize: 50_000,
      ...opts.lam,
    },
    agent: { ...opts.agent },
  });
}

export async function startLam(
  cam: { primaryPort: number; recoveryPort: number },
  opts: Parameters<typeof lamConfig>[1] & { diskUsedPercent?: LamAgentOptions['diskUsedPercent'] },
): Promise<LamAgent> {
  const cfg = lamConfig(cam, opts);
  const log = process.env.TANDEM_TEST_LOG ? createLogger('debug') : silentLogger();
  const agent = new LamAgent({ lam: cfg.lam, agent: cfg.agent, log, diskUsedPercent: opts.diskUsedPercent });
  await agent.start();
  return agent;
}
