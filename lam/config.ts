/**
 * Configuration of a LAM: Table 3 of the seed (`lam`) and the daemon's own settings (`agent`).
 * Ranges and defaults are those of ../shared/spec/configuration.md.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  ABSOLUTE_PATH,
  BEARER_TOKEN,
  bool,
  IDENTIFIER,
  IPV4,
  int,
  LISTEN_ADDRESS,
  oneOf,
  orEmpty,
  PORT,
  rotationNotBothDisabled,
  str,
  thresholdsOrdered,
} from '../kernel/config/fields.js';
import { parseWith, readConfigFile } from '../kernel/config/parse.js';
import { resolveSecretSources } from '../kernel/config/secret-sources.js';
import { eventsSchema } from '../kernel/events/config.js';
import { fcapsSchema } from '../kernel/fcaps/config.js';
import { tlsSchema } from '../kernel/tls/config.js';

/** Table 3 — LAM configuration properties. */
export const lamSchema = z
  .strictObject({
    componentName: str({ min: 1, max: 32, rule: IDENTIFIER }),
    softwareVersion: str({ min: 1, max: 64, default: 'tandem-lam' }),
    primaryCamIpAddress: str({ min: 1, max: 15, default: '0.0.0.0', rule: IPV4 }),
    primaryCamPort: int({ ...PORT, default: 17667 }),
    recoveryCamIpAddress: str({ min: 1, max: 15, default: '0.0.0.0', rule: IPV4 }),
    recoveryCamPort: int({ ...PORT, default: 17668 }),
    baseFilePath: str({ min: 1, max: 500, default: '/billing/LAM/RUblock', rule: ABSOLUTE_PATH }),
    fileRotationSize: int({ min: 1, max: 300_000, default: 100_000, zeroDisables: true, unit: 'bytes' }),
    fileRotationTime: int({ min: 1, max: 3600, default: 300, zeroDisables: true, unit: 's' }),
    diskMonitorMajorThreshold: int({ min: 1, max: 100, default: 50, unit: '%' }),
    diskMonitorCriticalThreshold: int({ min: 1, max: 100, default: 75, unit: '%' }),
    ruQueueSize: int({ min: 1, max: 2000, default: 2000, unit: 'RUs' }),
    rusPerBlock: int({ min: 1, max: 20, default: 20, unit: 'RUs' }),
    blockRotationTime: int({ min: 1, max: 10, default: 1, unit: 's' }),
    ruBlockQueueSize: int({ min: 1, max: 1000, default: 1000, unit: 'blocks' }),
  })
  .superRefine((v, ctx) => {
    rotationNotBothDisabled(v, ctx, 'lam');
    thresholdsOrdered(v, ctx, 'lam');
  });
export type LamConfig = z.output<typeof lamSchema>;

/** Where the LAM's local API listens when `agent.apiListen` is not set: a Unix socket (D26). */
export const DEFAULT_LAM_API_SOCKET = '/run/tandem/lam-api.sock';

/** The LAM daemon's own settings (not in Table 3). */
export const lamAgentSchema = z
  .strictObject({
    /**
     * An absolute Unix socket path (the default; access by file permissions, mode 0660), or
     * host:port — then every request needs `apiToken`.
     */
    apiListen: str({
      min: 3,
      max: 107, // sun_path holds 108 bytes with the terminating NUL
      default: DEFAULT_LAM_API_SOCKET,
      rule: {
        test: (v) => v.startsWith('/') || LISTEN_ADDRESS.test(v),
        allowed: 'host:port or an absolute Unix socket path',
      },
    }),
    /** Bearer token the local API requires (mandatory on TCP, optional on a Unix socket). */
    apiToken: str({ min: 0, max: 512, default: '', secret: true, rule: orEmpty(BEARER_TOKEN) }),
    /** Blocks in flight on the recovery stream: small, so the primary stream keeps priority. */
    recoveryWindow: int({ min: 1, max: 1000, default: 4, unit: 'blocks' }),
    /** CamUnreachable is raised when the primary stream has been down this long. */
    camUnreachableAlarmS: int({ min: 1, max: 3600, default: 10, unit: 's' }),
    logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info'),
  })
  .superRefine((v, ctx) => {
    if (!v.apiListen.startsWith('/') && v.apiToken === '')
      ctx.addIssue({
        code: 'custom',
        path: ['apiToken'],
        message: `required when apiListen is host:port (${v.apiListen}): anyone on the host could submit RUs; set apiToken (or apiTokenFile / apiTokenEnv) or listen on a Unix socket`,
      });
  });
export type LamAgentConfig = z.output<typeof lamAgentSchema>;

/** Seconds per IVR Profile, tenant or resource (sessions.md §3.1; the most specific wins, D34). */
const inactivityTable = z.record(
  z.string().min(1).max(256),
  int({ min: 1, max: 86_400, default: 3600, unit: 's' }),
);

/** SIP events on the local API (`POST /sip-events`) → the session model → records (D36). */
export const lamSessionsSchema = z.strictObject({
  /** Off: `POST /sip-events` answers 404 and no session state is kept. */
  enabled: bool(false),
  /** Table 5 appSrvID: the Application Module name the customer gave ('' : lam.componentName). */
  appSrvID: str({ min: 0, max: 64, default: '' }),
  /** Table 5 appSrvVer ('' : lam.softwareVersion). */
  appSrvVer: str({ min: 0, max: 64, default: '' }),
  /** A leg with no SIP request and no 2xx for this long is cleaned up as if a BYE had arrived. */
  inactivityS: int({ min: 1, max: 86_400, default: 3600, unit: 's' }),
  inactivityByIvrProfile: inactivityTable.default({}),
  inactivityByTenant: inactivityTable.default({}),
  inactivityByResource: inactivityTable.default({}),
  /** The long-call audit of answered legs with a session timer (LongCall records). */
  longCallAuditS: int({ min: 1, max: 86_400, default: 300, zeroDisables: true, unit: 's' }),
  /** Callers (From user prefixes) whose sessions are test calls, vetoed by the test-call-filter plug-in. */
  testCallerPrefixes: z.array(z.string().min(1).max(32)).max(100).default([]),
});
export type LamSessionsConfig = z.output<typeof lamSessionsSchema>;

export const lamConfigFileSchema = z.strictObject({
  lam: lamSchema,
  agent: lamAgentSchema.prefault({}),
  sessions: lamSessionsSchema.prefault({}),
  events: eventsSchema.prefault({}),
  fcaps: fcapsSchema.prefault({}),
  tls: tlsSchema.prefault({}),
});
export type LamConfigFile = z.output<typeof lamConfigFileSchema>;

export const parseLamConfig = (input: unknown): LamConfig => parseWith(lamConfigFileSchema, input).lam;
export const parseLamConfigFile = (input: unknown): LamConfigFile => parseWith(lamConfigFileSchema, input);
export const loadLamConfig = (path: string): LamConfig => parseLamConfig(readConfigFile(path));
/** Reads, resolves `…File` / `…Env` secrets (kernel/config/secret-sources.ts) and validates. */
export const loadLamConfigFile = (path: string): LamConfigFile =>
  parseLamConfigFile(
    resolveSecretSources(lamConfigFileSchema, readConfigFile(path), {
      readFile: (f) => readFileSync(f, 'utf8'),
      env: process.env,
    }),
  );
