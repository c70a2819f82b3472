/**
 * Field builders for configuration schemas. Each produces a zod type whose error message names
 * the value and the allowed range, so that `formatConfigErrors` can print
 * "<field>: <value> … allowed …" for every bad field.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
  return String(value);
}

export interface IntSpec {
  min: number;
  max: number;
  default: number;
  /** 0 is allowed and means "disabled" even though min > 0. */
  zeroDisables?: boolean;
  unit?: string;
}

export function describeInt(spec: IntSpec): string {
  const unit = spec.unit ? ` ${spec.unit}` : '';
  const range = `${spec.min}–${spec.max}${unit}`;
  return spec.zeroDisables ? `0 (disabled) or ${range}` : range;
}

export function int(spec: IntSpec) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): number => {
      if (value === undefined) return spec.default;
      const ok =
        typeof value === 'number' &&
        Number.isInteger(value) &&
        ((value >= spec.min && value <= spec.max) || (spec.zeroDisables === true && value === 0));
      if (!ok) {
        const what =
          typeof value === 'number' && Number.isInteger(value) ? 'is out of range' : 'is not an integer';
        ctx.addIssue({ code: 'custom', message: `${show(value)} ${what}; allowed: ${describeInt(spec)}` });
        return z.NEVER;
      }
      return value;
    });
}

export function bool(defaultValue: boolean) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): boolean => {
      if (value === undefined) return defaultValue;
      if (typeof value !== 'boolean') {
        ctx.addIssue({ code: 'custom', message: `${show(value)} is not a boolean; allowed: true or false` });
        return z.NEVER;
      }
      return value;
    });
}

export interface StringSpec {
  min: number;
  max: number;
  /** undefined: the field is required. */
  default?: string;
  /** Extra rule on the value, with the text that describes what is allowed. */
  rule?: { test: (v: string) => boolean; allowed: string };
  /** A password or key: errors never repeat the value, and `redactSecrets` masks it. */
  secret?: boolean;
}

/** Marks the schemas of secret fields (see redact.ts). */
export const SECRET = { secret: true } as const;

export function str(spec: StringSpec) {
  const field = z
    .unknown()
    .optional()
    .transform((value, ctx): string => {
      if (value === undefined) {
        if (spec.default !== undefined) return spec.default;
        ctx.addIssue({ code: 'custom', message: `is required; allowed: ${describeString(spec)}` });
        return z.NEVER;
      }
      const ok =
        typeof value === 'string' &&
        value.length >= spec.min &&
        value.length <= spec.max &&
        (spec.rule === undefined || spec.rule.test(value));
      if (!ok) {
        ctx.addIssue({
          code: 'custom',
          message: `${spec.secret ? '(secret value hidden)' : show(value)} is not valid; allowed: ${describeString(spec)}`,
        });
        return z.NEVER;
      }
      return value;
    });
  return spec.secret ? field.meta(SECRET) : field;
}

function describeString(spec: StringSpec): string {
  const length = `${spec.min}–${spec.max} characters`;
  return spec.rule ? `${spec.rule.allowed} (${length})` : `a string of ${length}`;
}

export function oneOf<const T extends readonly string[]>(values: T, defaultValue: T[number]) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T[number] => {
      if (value === undefined) return defaultValue;
      if (typeof value !== 'string' || !values.includes(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `${show(value)} is not valid; allowed: ${values.join(', ')}`,
        });
        return z.NEVER;
      }
      return value as T[number];
    });
}

export const IPV4 = { test: (v: string) => isIP(v) === 4, allowed: 'a dotted IPv4 address' };
export const HOST = {
  test: (v: string) => isIP(v) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(v),
  allowed: 'an IP address or host name',
};
export const ABSOLUTE_PATH = {
  test: (v: string) => v.startsWith('/') && !v.includes('\0'),
  allowed: 'an absolute path',
};
/** A rule that also accepts '' (a setting left unset), e.g. `orEmpty(IPV4)`. */
export const orEmpty = (rule: { test: (v: string) => boolean; allowed: string }, allowed = rule.allowed) => ({
  test: (v: string) => v === '' || rule.test(v),
  allowed: `${allowed}, or empty`,
});
/** A bearer token as HTTP carries it (RFC 6750 b64token is narrower; any visible ASCII is accepted). */
export const BEARER_TOKEN = {
  test: (v: string) => /^[!-~]{16,512}$/.test(v),
  allowed: '16–512 visible ASCII characters',
};
export const IDENTIFIER = {
  test: (v: string) => /^[A-Za-z0-9_.-]+$/.test(v),
  allowed: 'letters, digits, _ . -',
};

/** host:port, e.g. 127.0.0.1:7600 */
export const LISTEN_ADDRESS = {
  test: (v: string) => {
    const i = v.lastIndexOf(':');
    const port = Number(v.slice(i + 1));
    return i > 0 && HOST.test(v.slice(0, i)) && Number.isInteger(port) && port >= 1 && port <= 65535;
  },
  allowed: 'host:port, e.g. 127.0.0.1:7600',
};

export const PORT = { min: 1025, max: 65535 } as const;

type Ctx = z.core.$RefinementCtx;

/** A file series must rotate by size or by time (or both). */
export function rotationNotBothDisabled(
  value: { fileRotationSize: number; fileRotationTime: number },
  ctx: Ctx,
  section: string,
): void {
  if (value.fileRotationSize === 0 && value.fileRotationTime === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['fileRotationSize'],
      message: `0 together with ${section}.fileRotationTime 0 disables rotation entirely; allowed: at least one of them > 0`,
    });
  }
}

/** Disk alarms: major at or below critical. */
export function thresholdsOrdered(
  value: { diskMonitorMajorThreshold: number; diskMonitorCriticalThreshold: number },
  ctx: Ctx,
  section: string,
): void {
  if (value.diskMonitorMajorThreshold > value.diskMonitorCriticalThreshold) {
    ctx.addIssue({
      code: 'custom',
      path: ['diskMonitorMajorThreshold'],
      message: `${value.diskMonitorMajorThreshold} is above ${section}.diskMonitorCriticalThreshold (${value.diskMonitorCriticalThreshold}); allowed: major ≤ critical`,
    });
  }
}
