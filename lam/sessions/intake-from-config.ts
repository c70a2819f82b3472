/**
 * Wires a SessionIntake from the LAM's configuration (the `sessions` section) and registers its
 * measurements on the LAM's metrics registry (every name is in docs/metrics.md).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { countedFrom, gaugedFrom, type Registry } from '../../kernel/metrics.js';
import type { LamConfig, LamSessionsConfig } from '../config.js';
import { configuredFeatures, type RecordSink, SessionIntake } from './session-intake.js';

const ms = (table: Record<string, number>) =>
  Object.fromEntries(Object.entries(table).map(([k, s]) => [k, s * 1000]));

export function sessionIntakeFromConfig(
  cfg: LamSessionsConfig,
  lam: LamConfig,
  sink: RecordSink,
  log: Logger,
): SessionIntake {
  return new SessionIntake(
    {
      appSrvID: cfg.appSrvID || lam.componentName,
      appSrvVer: cfg.appSrvVer || lam.softwareVersion,
      inactivity: {
        defaultMs: cfg.inactivityS * 1000,
        byIvrProfile: ms(cfg.inactivityByIvrProfile),
        byTenant: ms(cfg.inactivityByTenant),
        byResource: ms(cfg.inactivityByResource),
      },
      auditIntervalMs: cfg.longCallAuditS * 1000,
      features: configuredFeatures(cfg.testCallerPrefixes),
      ids: { newSessionId: () => `${lam.componentName}-${randomUUID()}` },
    },
    sink,
    log,
  );
}

export function registerSessionMetrics(r: Registry, intake: SessionIntake): void {
  const c = intake.counters;
  countedFrom(r, 'tandem_lam_sip_events_total', 'SIP events applied to the session model', () => c.sipEvents);
  countedFrom(
    r,
    'tandem_lam_sip_events_rejected_total',
    'SIP events refused as malformed (the whole request is refused)',
    () => c.sipEventsRejected,
  );
  countedFrom(r, 'tandem_lam_session_records_total', 'Records the session plan completed', () => c.records);
  countedFrom(r, 'tandem_lam_sip_strays_total', 'SIP events for no known leg (logged)', () => c.strays);
  countedFrom(
    r,
    'tandem_lam_session_vetoes_total',
    'Sessions or legs a feature kept out of accounting, by what',
    () => [
      [{ what: 'session' }, c.sessionsVetoed],
      [{ what: 'leg' }, c.legsVetoed],
    ],
    ['what'],
  );
  countedFrom(
    r,
    'tandem_lam_session_instruction_failures_total',
    'Features that threw and records that broke the RU schema (logged in full)',
    () => c.instructionFailures,
  );
  gaugedFrom(r, 'tandem_lam_live_sessions', 'Sessions with at least one live leg', () => intake.liveSessions);
}
