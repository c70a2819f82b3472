#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
/** `tandem`: the one command-line entry point. Subcommands grow with each capability. */
import { Command, Option } from 'commander';
import { ConfigError } from '../kernel/config/parse.js';
import { redactSecrets } from '../kernel/config/redact.js';
import { DirLock } from '../kernel/dir-lock.js';
import { mustBeDirectory } from '../kernel/fs-checks.js';
import { sha256Hex } from '../kernel/http/bearer.js';
import { createLogger, LOG_FORMATS, type LogFormat, silentLogger } from '../kernel/logger.js';
import type { IdentityKind } from '../kernel/tls/identity.js';
import { tandemVersion } from '../kernel/version.js';
import { LamAgent } from '../lam/agent.js';
import { LamApi } from '../lam/api.js';
import { callLamApi, type LamApiAddress } from '../lam/api-client.js';
import { DEFAULT_LAM_API_SOCKET, lamConfigFileSchema, loadLamConfigFile } from '../lam/config.js';
import { registerSessionMetrics, sessionIntakeFromConfig } from '../lam/sessions/intake-from-config.js';
import { listSpoolFiles, repairSpool, verifySpoolFiles } from '../lam/spool-check.js';
import { renderOffline } from '../node/accounting/ipdr/render-offline.js';
import { listIpdrFiles, verifyIpdrFiles } from '../node/accounting/ipdr/verify.js';
import { LamRegistry } from '../node/accounting/lam-registry.js';
import { parseOperators, ROLES } from '../node/api/operators.js';
import { loadNodeConfig } from '../node/config/load.js';
import { nodeConfigSchema, parseNodeConfig } from '../node/config/schema.js';
import { runNode } from '../node/main.js';
import { Database } from '../node/replication/database.js';
import { migrate } from '../node/replication/migrations.js';
import { checkRecordingUnit, type RecordingUnit } from '../proto/ru.js';
import { createCa, issueCertificate } from './certs.js';
import { forwardTarget } from './forward.js';
import { OssCollector } from './oss-collector.js';
import { Progress } from './progress.js';
import { type ReadinessStatus, type ReadyLevel, readiness } from './readiness.js';
import { formatStatus } from './status-format.js';

const program = new Command();
program
  .name('tandem')
  .description('Tandem accounting backbone: CAM pair, LAM agent and tools')
  .version(tandemVersion());

/** Config errors name every bad field and exit 2, before anything is started. */
function withLock(dir: string, what: string): DirLock {
  try {
    return DirLock.acquire(dir, what);
  } catch (err) {
    process.stderr.write(`tandem: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

/** --log-format: JSON lines for a collector, one readable line per entry for a person; auto = pretty on a terminal. */
function logFormatOption(): Option {
  return new Option('--log-format <format>', 'log format on stderr').choices(LOG_FORMATS).default('auto');
}

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
  .addOption(logFormatOption())
  .action(async (opts: { config: string; logFormat: LogFormat }) => {
    const config = withConfig(() => loadNodeConfig(opts.config));
    // One node per data directory (its journal): a second one is refused, naming the first.
    await runNode(config, withLock(config.node.dataDir, `tandem node ${config.node.id}`), opts.logFormat);
  });

const config = program.command('config').description('configuration tools');
config
  .command('check')
  .description('validate a node (or, with --lam, a LAM) configuration file; prints every bad field')
  .argument('<file>')
  .option('--lam', 'the file is a LAM configuration')
  .option('--print', 'print the effective configuration with defaults filled in')
  .action((file: string, opts: { lam?: boolean; print?: boolean }) => {
    const parsed = withConfig(() => (opts.lam ? loadLamConfigFile(file) : loadNodeConfig(file)));
    if (opts.print) {
      const shown = redactSecrets(opts.lam ? lamConfigFileSchema : nodeConfigSchema, parsed);
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
      body = await fetchStatus(admin, 'status');
    } catch (err) {
      process.stderr.write(`tandem status: no node answers at ${admin}: ${(err as Error).message}\n`);
      process.exit(1);
    }
    process.stdout.write(opts.json ? `${JSON.stringify(body, null, 2)}\n` : formatStatus(body));
  });

program
  .command('ready')
  .description('wait until a node has started (--healthy: and is healthy); exit 1 at the deadline')
  .option('-c, --config <file>', 'node configuration (to find the admin API)')
  .option('--admin <host:port>', 'admin API address', '127.0.0.1:7600')
  .option('--healthy', 'also: database writable, and acking or standing by with a live peer')
  .option('--timeout <seconds>', 'how long to wait', '120')
  .action(async (opts: { config?: string; admin: string; healthy?: boolean; timeout: string }) => {
    const seconds = Number(opts.timeout);
    if (!(seconds > 0)) {
      process.stderr.write(`tandem ready: --timeout ${opts.timeout}; allowed: a number of seconds > 0\n`);
      process.exit(2);
    }
    const admin = adminOf(opts);
    const level: ReadyLevel = opts.healthy ? 'healthy' : 'started';
    const deadline = Date.now() + seconds * 1000;
    let why = 'no answer yet';
    do {
      try {
        const r = readiness((await fetchStatus(admin, 'ready')) as ReadinessStatus, level);
        if (r.ready) {
          process.stdout.write(`${admin}: ${r.why}\n`);
          return;
        }
        why = r.why;
      } catch (err) {
        why = `no node answers: ${(err as Error).message}`;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    } while (Date.now() < deadline);
    process.stderr.write(`tandem ready: ${admin} not ${level} after ${seconds} s: ${why}\n`);
    process.exit(1);
  });

/** GET /status of the node at `admin`; a refused credential ends the command (exit 1), naming why. */
async function fetchStatus(admin: string, command: string): Promise<unknown> {
  const res = await fetch(`http://${admin}/status`, {
    headers: adminHeaders(),
    signal: AbortSignal.timeout(3000),
  });
  const body = (await res.json()) as { error?: string };
  if (res.status === 401 || res.status === 403) {
    process.stderr.write(`tandem ${command}: ${String(body.error)} (set TANDEM_ADMIN_TOKEN_FILE)\n`);
    process.exit(1);
  }
  return body;
}

/**
 * The operator's token for the admin API (node.adminTokensFile): TANDEM_ADMIN_TOKEN, or the file
 * TANDEM_ADMIN_TOKEN_FILE names (never a command-line argument: those show in `ps`).
 */
function adminHeaders(): Record<string, string> {
  const token = tokenFromEnv('TANDEM_ADMIN_TOKEN');
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** `$NAME`, or the content of the file `$NAME_FILE` names; '' when neither is set. */
function tokenFromEnv(name: string): string {
  const file = process.env[`${name}_FILE`];
  const token = process.env[name];
  if (token || !file) return token ?? '';
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    process.stderr.write(`tandem: ${name}_FILE ${file}: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

/**
 * The LAM API to call: from --config (apiListen and apiToken), else --api with the token in
 * TANDEM_LAM_TOKEN or the file TANDEM_LAM_TOKEN_FILE names (never an argument: those show in `ps`).
 */
function lamApiOf(opts: { config?: string; api: string }): LamApiAddress {
  if (opts.config) {
    const { agent } = withConfig(() => loadLamConfigFile(opts.config!));
    return { listen: agent.apiListen, token: agent.apiToken };
  }
  return { listen: opts.api, token: tokenFromEnv('TANDEM_LAM_TOKEN') };
}

/** The admin API address from --config or --admin. */
function adminOf(opts: { config?: string; admin: string }): string {
  return opts.config ? withConfig(() => loadNodeConfig(opts.config!)).node.adminListen : opts.admin;
}

async function post(
  admin: string,
  name: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://${admin}/commands/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...adminHeaders() },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Sends a pair command to the node; a command that must run on the active node is forwarded there
 * when the given node is the standby (its peer's address comes from the heartbeat).
 */
async function pairCommand(
  opts: { config?: string; admin: string },
  name: string,
  body: unknown,
): Promise<void> {
  const admin = adminOf(opts);
  try {
    let r = await post(admin, name, body);
    if (r.status === 409) {
      const status = (await fetchStatus(admin, name)) as {
        role?: { role: string } | null;
        peer?: { alive: boolean; lastBeat: { admin_listen: string; role: string } | null } | null;
      };
      const peer = status.peer?.lastBeat;
      if (
        status.role?.role !== 'active' &&
        status.peer?.alive &&
        peer?.role === 'active' &&
        name !== 'maintenance'
      ) {
        const target = forwardTarget(admin, peer.admin_listen);
        if ('refused' in target) {
          process.stderr.write(`tandem ${name}: ${target.refused}\n`);
          process.exit(1);
        }
        process.stderr.write(`tandem ${name}: forwarding to the active node at ${target.to}\n`);
        r = await post(target.to, name, body);
      }
    }
    if (r.status !== 200) {
      process.stderr.write(`tandem ${name}: ${String(r.body.error ?? JSON.stringify(r.body))}\n`);
      process.exit(1);
    }
    const result = r.body.result as { role?: string; reason?: string } | undefined;
    process.stdout.write(
      `tandem ${name}: accepted${result?.role ? ` — now ${result.role}: ${result.reason}` : ''}\n`,
    );
  } catch (err) {
    process.stderr.write(`tandem ${name}: no node answers at ${admin}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

const adminOptions = (c: Command) =>
  c
    .option('-c, --config <file>', 'node configuration (to find the admin API)')
    .option('--admin <host:port>', 'admin API address', '127.0.0.1:7600');

adminOptions(
  program
    .command('switchover')
    .description(
      'planned, zero-loss move of the active role: stop accepting, finish in-flight acks, hand the lease, move the IP',
    )
    .option('--to <node>', 'the node to make active (default: the peer)'),
).action(async (opts: { config?: string; admin: string; to?: string }) =>
  pairCommand(opts, 'switchover', opts.to ? { to: opts.to } : {}),
);
adminOptions(
  program
    .command('failover')
    .description(
      'forced: the active node gives the role up at once (Failover.pl stop/start acctmgr); the standby takes over',
    ),
).action(async (opts: { config?: string; admin: string }) => pairCommand(opts, 'failover', {}));
adminOptions(
  program
    .command('restore')
    .description('move the active role back to the preferred server (pair.preferred)'),
).action(async (opts: { config?: string; admin: string }) => pairCommand(opts, 'restore', {}));
adminOptions(
  program
    .command('maintenance')
    .argument(
      '<on|off>',
      'on: leave the active role (handing it to the peer) and never take it; off: back to standby',
    )
    .description('maintenance mode of this node'),
).action(async (state: string, opts: { config?: string; admin: string }) => {
  if (state !== 'on' && state !== 'off') {
    process.stderr.write(`tandem maintenance: ${JSON.stringify(state)}; allowed: on or off\n`);
    process.exit(2);
  }
  await pairCommand(opts, 'maintenance', { on: state === 'on' });
});

const provision = program.command('provision').description('provisioning in the replicated database');
const lam = provision
  .command('lam')
  .description('LAMs allowed to send (enforced with ingest.requireKnownLams)');

async function withDatabase<T>(configFile: string, fn: (registry: LamRegistry) => Promise<T>): Promise<T> {
  const cfg = withConfig(() => loadNodeConfig(configFile));
  const db = new Database(cfg.database, silentLogger(), cfg.tls);
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

const lamCmd = program.command('lam').description('the LAM agent (Local Accounting Manager)');

lamCmd
  .command('run')
  .description('run the LAM daemon (foreground): local API, blocks, spool, primary and recovery streams')
  .requiredOption('-c, --config <file>', 'LAM configuration (YAML): sections lam (Table 3) and agent')
  .addOption(logFormatOption())
  .action(async (opts: { config: string; logFormat: LogFormat }) => {
    const cfg = withConfig(() => loadLamConfigFile(opts.config));
    const log = createLogger(cfg.agent.logLevel, { lam: cfg.lam.componentName }, opts.logFormat);
    const agent = new LamAgent({
      lam: cfg.lam,
      agent: cfg.agent,
      events: cfg.events,
      fcaps: cfg.fcaps,
      tls: cfg.tls,
      log,
    });
    const lock = withLock(agent.spoolDir, `tandem lam run ${cfg.lam.componentName}`);
    const sessions = cfg.sessions.enabled
      ? sessionIntakeFromConfig(cfg.sessions, cfg.lam, agent, log.child({ part: 'sessions' }))
      : undefined;
    if (sessions) registerSessionMetrics(agent.metrics.registry, sessions);
    const api = new LamApi(agent, cfg.agent.apiListen, cfg.agent.apiToken, sessions);
    const shutdown = async () => {
      await api.stop().catch(() => undefined);
      sessions?.stop();
      await agent.stop();
      lock.release();
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown());
    process.on('SIGINT', () => void shutdown());
    try {
      await agent.start();
      sessions?.start();
      await api.start();
    } catch (err) {
      process.stderr.write(`tandem lam run: ${(err as Error).message}\n`);
      process.exit(1);
    }
  });

lamCmd
  .command('inject')
  .description('submit RUs from a JSON-lines file (docs/ru-format.md) to a running LAM')
  .requiredOption('-f, --file <ru.ndjson>', 'one RU per line')
  .option('-c, --config <file>', 'LAM configuration (to find its API)')
  .option(
    '--api <address>',
    'LAM API: Unix socket path or host:port (token: TANDEM_LAM_TOKEN[_FILE])',
    DEFAULT_LAM_API_SOCKET,
  )
  .option('--durable', "return only once every RU is fsync'd in the spool")
  .option('--batch <n>', 'RUs per request', '200')
  .action(async (opts: { file: string; config?: string; api: string; durable?: boolean; batch: string }) => {
    const api = lamApiOf(opts);
    const rus = readRuLines(opts.file);
    const batch = Math.max(1, Number(opts.batch) || 200);
    const progress = new Progress({ label: 'lam inject', unit: 'RUs', total: rus.length });
    let sent = 0;
    for (let i = 0; i < rus.length; i += batch) {
      const chunk = rus.slice(i, i + batch);
      const res = await callLamApi(
        api,
        'POST',
        `/rus?durable=${opts.durable ? 'true' : 'false'}`,
        chunk,
      ).catch((err: Error) => {
        progress.stop();
        process.stderr.write(`tandem lam inject: no LAM answers at ${api.listen}: ${err.message}\n`);
        process.exit(1);
      });
      if (res.status >= 300) {
        progress.stop();
        process.stderr.write(
          `tandem lam inject: LAM refused RUs ${i + 1}–${i + chunk.length}: ${String(res.body.error)}\n`,
        );
        process.stderr.write(`${sent} RUs were accepted before that\n`);
        process.exit(1);
      }
      sent += chunk.length;
      progress.advance(chunk.length);
    }
    progress.stop();
    process.stdout.write(`${sent} RUs accepted${opts.durable ? ' (durable)' : ''}\n`);
  });

lamCmd
  .command('status')
  .option('-c, --config <file>', 'LAM configuration (to find its API)')
  .option(
    '--api <address>',
    'LAM API: Unix socket path or host:port (token: TANDEM_LAM_TOKEN[_FILE])',
    DEFAULT_LAM_API_SOCKET,
  )
  .action(async (opts: { config?: string; api: string }) => {
    const api = lamApiOf(opts);
    const res = await callLamApi(api, 'GET', '/status').catch((err: Error) => {
      process.stderr.write(`tandem lam status: no LAM answers at ${api.listen}: ${err.message}\n`);
      process.exit(1);
    });
    if (res.status >= 300) {
      process.stderr.write(`tandem lam status: ${String(res.body.error)} (HTTP ${res.status})\n`);
      process.exit(1);
    }
    process.stdout.write(`${JSON.stringify(res.body, null, 2)}\n`);
  });

const spoolCmd = lamCmd.command('spool').description('inspect or repair a LAM spool directory');
spoolCmd
  .command('verify')
  .argument('<dir>')
  .description('report every spool file: blocks, RUs, damaged bytes; exit 1 if any is damaged')
  .option('--json', 'one JSON object per file, then a summary object')
  .action(async (dir: string, opts: { json?: boolean }) => {
    const names = await listSpoolFiles(dir);
    const progress = new Progress({
      label: 'spool verify',
      unit: 'files',
      total: names.length,
      json: opts.json,
    });
    let damaged = 0;
    for await (const f of verifySpoolFiles(dir, names)) {
      const state = f.problem ? `DAMAGED (${f.problem} tail of ${f.damagedBytes} bytes)` : 'ok';
      if (f.problem) damaged++;
      progress.result(
        opts.json
          ? JSON.stringify(f)
          : `${f.file}\t${f.blocks} blocks\t${f.rus} RUs\t${f.bytes} bytes\t${state}`,
      );
      progress.advance(1, `${damaged} damaged`);
    }
    progress.stop();
    process.stdout.write(
      `${opts.json ? JSON.stringify({ files: names.length, damaged }) : `${names.length} files, ${damaged} damaged`}\n`,
    );
    process.exitCode = damaged > 0 ? 1 : 0;
  });
spoolCmd
  .command('repair')
  .argument('<dir>')
  .description('move damaged tails to quarantine/, keep every intact block (what a starting LAM does)')
  .action(async (dir: string) => {
    // Never under a running LAM: it appends to and renames these files.
    await mustBeDirectory(dir);
    const lock = withLock(dir, 'tandem lam spool repair');
    const report = await repairSpool(dir).finally(() => lock.release());
    for (const q of report.quarantined)
      process.stdout.write(
        `${q.file}: ${q.problem} tail of ${q.bytes} bytes → ${q.movedTo}; ${q.keptBlocks} blocks kept\n`,
      );
    process.stdout.write(
      `${report.files} files, ${report.unacked} unacknowledged blocks, ${report.quarantined.length} repaired\n`,
    );
  });

program
  .command('admin-token')
  .description(
    'create an operator token for the admin API: its hash goes into the tokens file, the token is printed once',
  )
  .requiredOption('--file <tokens.yaml>', 'node.adminTokensFile (created if absent; copy it to both nodes)')
  .requiredOption('--name <name>', 'who the token is for (written in the audit log)')
  .option('--role <role>', 'reader (status, metrics, alarms) or operator (also commands)', 'reader')
  .action((opts: { file: string; name: string; role: string }) => {
    if (!(ROLES as readonly string[]).includes(opts.role)) {
      process.stderr.write(
        `tandem admin-token: --role ${JSON.stringify(opts.role)}: allowed reader, operator\n`,
      );
      process.exit(2);
    }
    const text = existsSync(opts.file) ? readFileSync(opts.file, 'utf8') : '';
    let operators: ReturnType<typeof parseOperators> = [];
    try {
      operators = parseOperators(text, opts.file);
    } catch (err) {
      process.stderr.write(`tandem admin-token: ${(err as Error).message}\n`);
      process.exit(2);
    }
    if (operators.some((o) => o.name === opts.name)) {
      process.stderr.write(
        `tandem admin-token: ${opts.name} already has a token in ${opts.file}; remove its entry first\n`,
      );
      process.exit(2);
    }
    const token = randomBytes(32).toString('base64url');
    const entry = `- name: ${opts.name}\n  role: ${opts.role}\n  tokenSha256: ${sha256Hex(token)}\n`;
    writeFileSync(opts.file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${entry}`, {
      mode: 0o600,
    });
    process.stdout.write(`${token}\n`);
  });

const certsCmd = program.command('certs').description('a small CA for mutual TLS (docs/security.md)');
certsCmd
  .command('ca')
  .description('create a CA (ca.crt, ca.key) in DIR; never overwrites one')
  .requiredOption('--dir <dir>', 'where the CA lives (keep ca.key off the servers)')
  .option('--name <name>', 'the CA certificate common name', 'Tandem CA')
  .option('--days <n>', 'validity', '3650')
  .action((opts: { dir: string; name: string; days: string }) => {
    const { caFile } = createCa(opts.dir, { name: opts.name, days: Number(opts.days) });
    process.stdout.write(`${caFile}\n`);
  });
certsCmd
  .command('issue')
  .description(
    'issue a certificate naming tandem://<kind>/<name>: a CAM node, a LAM, an operator or the Galera witness',
  )
  .requiredOption('--ca <dir>', 'the CA directory (tandem certs ca)')
  .requiredOption('--out <dir>', 'where <name>.crt and <name>.key are written')
  .requiredOption('--kind <kind>', 'cam, lam, operator or witness')
  .requiredOption('--name <name>', 'the node id, the LAM component name or the operator name')
  .option(
    '--ip <addresses>',
    'IP addresses the certificate is valid for, comma-separated (a CAM: its own and the logical IP)',
    '',
  )
  .option('--dns <names>', 'DNS names, comma-separated', '')
  .option('--days <n>', 'validity', '825')
  .action(
    (opts: {
      ca: string;
      out: string;
      kind: string;
      name: string;
      ip: string;
      dns: string;
      days: string;
    }) => {
      if (!['cam', 'lam', 'operator', 'witness'].includes(opts.kind)) {
        process.stderr.write(
          `tandem certs issue: --kind ${JSON.stringify(opts.kind)}: allowed cam, lam, operator, witness\n`,
        );
        process.exit(2);
      }
      const list = (v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
      const issued = issueCertificate(opts.ca, opts.out, {
        kind: opts.kind as IdentityKind,
        name: opts.name,
        ips: list(opts.ip),
        dns: list(opts.dns),
        days: Number(opts.days),
      });
      process.stdout.write(`${issued.certFile}\n${issued.keyFile}\n`);
    },
  );

const ipdrCmd = program.command('ipdr').description('IPDR/XML accounting files');
ipdrCmd
  .command('render')
  .description(
    "render RUs from a JSON-lines file into IPDR files with the CAM's placement and rendering code (recTime is the clock)",
  )
  .requiredOption('--in <ru.ndjson>', 'one RU per line (docs/ru-format.md)')
  .requiredOption('--out <dir>', 'output directory (created)')
  .option('--compress', 'write .closed.zip files (File Compression)')
  .option('--rotate-size <bytes>', 'File Rotation Size, 0 disables', '100000')
  .option('--rotate-ms <ms>', 'File Rotation Time, 0 disables', '20000')
  .option('--cam-ip <address>', 'CAM IP Address written into IPDRRec@id', '0.0.0.0')
  .action(
    async (opts: {
      in: string;
      out: string;
      compress?: boolean;
      rotateSize: string;
      rotateMs: string;
      camIp: string;
    }) => {
      const cam = withConfig(() =>
        parseNodeConfig({
          node: { id: 'offline' },
          cam: {
            ipAddress: opts.camIp,
            fileRotationSize: Number(opts.rotateSize),
            fileRotationTime: Number(opts.rotateMs),
          },
        }),
      ).cam;
      const rus = readRuLines(opts.in) as RecordingUnit[];
      const files = await renderOffline(rus, {
        outDir: opts.out,
        camIpAddress: cam.ipAddress,
        version: `2.0 Tandem/${tandemVersion()}`,
        compress: opts.compress ?? false,
        fileRotationSize: cam.fileRotationSize,
        fileRotationTime: cam.fileRotationTime,
      });
      for (const f of files) process.stdout.write(`${f.name}\t${f.records} records\n`);
      process.stdout.write(`${rus.length} RUs → ${files.length} files in ${opts.out}\n`);
    },
  );
ipdrCmd
  .command('verify')
  .argument('<dir>', 'an accounting directory (its Primary/ and Recovery/ are checked too)')
  .description('check names, schema validity (xmllint) and IPDRDoc.End counts; exit 1 on any problem')
  .option('--json', 'one JSON object per file, then a summary object')
  .action(async (dir: string, opts: { json?: boolean }) => {
    const files = await listIpdrFiles(dir);
    const progress = new Progress({
      label: 'ipdr verify',
      unit: 'files',
      total: files.length,
      json: opts.json,
    });
    let bad = 0;
    for await (const c of verifyIpdrFiles(files)) {
      if (c.problems.length > 0) bad++;
      const state = c.problems.length > 0 ? `PROBLEM: ${c.problems.join('; ')}` : 'ok';
      progress.result(opts.json ? JSON.stringify(c) : `${c.file}\t${c.records ?? '-'} records\t${state}`);
      progress.advance(1, `${bad} with problems`);
    }
    progress.stop();
    const summary = `${files.length} files, ${bad} with problems`;
    process.stdout.write(
      `${opts.json ? JSON.stringify({ files: files.length, withProblems: bad }) : summary}\n`,
    );
    process.exitCode = bad > 0 ? 1 : 0;
  });

program
  .command('oss-collector')
  .description('reference OSS collector for the TCP feed: writes records to <out>/<series>.xml (docs/oss.md)')
  .requiredOption('--out <dir>', 'where records and positions are kept')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--primary-port <port>', 'TCP/IP Primary Host Port', '9000')
  .option('--recovery-port <port>', 'TCP/IP Recovery Host Port', '9001')
  .option('--no-confirm', 'never send RESUME/ACK (a collector that cannot confirm)')
  .action(
    async (opts: {
      out: string;
      host: string;
      primaryPort: string;
      recoveryPort: string;
      confirm: boolean;
    }) => {
      const collector = new OssCollector(opts.out, opts.confirm);
      for (const port of [opts.primaryPort, opts.recoveryPort])
        await collector.listen(opts.host, Number(port));
      process.stdout.write(
        `collecting on ${opts.host}:${opts.primaryPort},${opts.recoveryPort} into ${opts.out}\n`,
      );
      const report = () => process.stdout.write(`${JSON.stringify(collector.stats)}\n`);
      const timer = setInterval(report, 10_000);
      process.on('SIGTERM', () => {
        clearInterval(timer);
        report();
        void collector.close().then(() => process.exit(0));
      });
    },
  );

/** Reads RU JSON lines; a bad line stops everything and is named (nothing is sent). */
function readRuLines(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`tandem: ${file}: cannot be read (${(err as Error).message})\n`);
    process.exit(2);
  }
  const rus: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      process.stderr.write(`tandem: ${file} line ${i + 1}: not JSON (${(err as Error).message})\n`);
      process.exit(2);
    }
    const checked = checkRecordingUnit(value);
    if (!checked.ok) {
      process.stderr.write(
        `tandem: ${file} line ${i + 1}: ${checked.problem.field} ${checked.problem.message}\n`,
      );
      process.exit(2);
    }
    rus.push(checked.value);
  }
  return rus;
}

// A command that fails says what was wrong in one line (no stack trace) and exits 2.
await program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`tandem: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
