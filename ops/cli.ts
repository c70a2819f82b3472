#!/usr/bin/env node
/** `tandem`: the one command-line entry point. Subcommands grow with each capability. */
import { Command } from 'commander';
import { LamRegistry } from '../node/accounting/lam-registry.js';
import { CamNode } from '../node/cam-node.js';
import { createLogger, silentLogger } from '../node/common/logger.js';
import { tandemVersion } from '../node/common/version.js';
import { loadLamConfig, loadNodeConfig } from '../node/config/load.js';
import { ConfigError } from '../node/config/schema.js';
import { Database } from '../node/replication/database.js';
import { migrate } from '../node/replication/migrations.js';
import { formatStatus } from './status-format.js';

const program = new Command();
program
  .name('tandem')
  .description('Tandem accounting backbone: CAM pair, LAM agent and tools')
  .version(tandemVersion());

/** Config errors name every bad field and exit 2, before anything is started. */
function withConfig<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tandem: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

program
  .command('node')
  .description('run a CAM node (foreground) with the given configuration file')
  .requiredOption('-c, --config <file>', 'node configuration (YAML)')
  .action(async (opts: { config: string }) => {
    const config = withConfig(() => loadNodeConfig(opts.config));
    const log = createLogger(config.node.logLevel, { node: config.node.id });
    const node = new CamNode(config, log);
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      await node.stop();
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
    try {
      await node.start();
    } catch (err) {
      log.fatal({ err: (err as Error).message }, 'CAM node failed to start');
      process.stderr.write(`tandem node: ${(err as Error).message}\n`);
      process.exit(1);
    }
  });

const config = program.command('config').description('configuration tools');
config
  .command('check')
  .description('validate a node (or, with --lam, a LAM) configuration file; prints every bad field')
  .argument('<file>')
  .option('--lam', 'the file is a LAM configuration')
  .option('--print', 'print the effective configuration with defaults filled in')
  .action((file: string, opts: { lam?: boolean; print?: boolean }) => {
    const parsed = withConfig(() => (opts.lam ? loadLamConfig(file) : loadNodeConfig(file)));
    if (opts.print) {
      const shown = JSON.parse(JSON.stringify(parsed));
      if (shown.database?.password) shown.database.password = '********';
      if (shown.cam?.ftpUserPassword) shown.cam.ftpUserPassword = '********';
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    } else process.stdout.write(`${file}: valid\n`);
  });

program
  .command('status')
  .description("show a running node's status")
  .option('-c, --config <file>', 'node configuration (to find the admin API)')
  .option('--admin <host:port>', 'admin API address', '127.0.0.1:7600')
  .option('--json', 'machine-readable output')
  .action(async (opts: { config?: string; admin: string; json?: boolean }) => {
    const admin = opts.config ? withConfig(() => loadNodeConfig(opts.config!)).node.adminListen : opts.admin;
    let body: unknown;
    try {
      const res = await fetch(`http://${admin}/status`, { signal: AbortSignal.timeout(3000) });
      body = await res.json();
    } catch (err) {
      process.stderr.write(`tandem status: no node answers at ${admin}: ${(err as Error).message}\n`);
      process.exit(1);
    }
    process.stdout.write(opts.json ? `${JSON.stringify(body, null, 2)}\n` : formatStatus(body));
  });

const provision = program.command('provision').description('provisioning in the replicated database');
const lam = provision
  .command('lam')
  .description('LAMs allowed to send (enforced with ingest.requireKnownLams)');

async function withDatabase<T>(configFile: string, fn: (registry: LamRegistry) => Promise<T>): Promise<T> {
  const cfg = withConfig(() => loadNodeConfig(configFile));
  const db = new Database(cfg.database, silentLogger());
  try {
    await migrate(db, silentLogger());
    return await fn(new LamRegistry(db));
  } finally {
    await db.close();
  }
}

lam
  .command('add')
  .argument('<lamId>')
  .option('-d, --description <text>', 'free text', '')
  .requiredOption('-c, --config <file>', 'node configuration')
  .action(async (lamId: string, opts: { description: string; config: string }) => {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(lamId)) {
      process.stderr.write(
        `tandem: lam id ${JSON.stringify(lamId)} is not valid; allowed: [A-Za-z0-9_.-]{1,64}\n`,
      );
      process.exit(2);
    }
    await withDatabase(opts.config, (r) => r.add(lamId, opts.description));
    process.stdout.write(`LAM ${lamId} provisioned\n`);
  });
lam
  .command('disable')
  .argument('<lamId>')
  .requiredOption('-c, --config <file>', 'node configuration')
  .action(async (lamId: string, opts: { config: string }) => {
    const found = await withDatabase(opts.config, (r) => r.disable(lamId));
    process.stdout.write(found ? `LAM ${lamId} disabled\n` : `no LAM ${lamId}\n`);
    if (!found) process.exitCode = 1;
  });
lam
  .command('list')
  .requiredOption('-c, --config <file>', 'node configuration')
  .action(async (opts: { config: string }) => {
    const lams = await withDatabase(opts.config, (r) => r.list());
    for (const l of lams)
      process.stdout.write(`${l.lamId}\t${l.enabled ? 'enabled' : 'disabled'}\t${l.description}\n`);
  });

await program.parseAsync(process.argv);
