/**
 * Masks the secret fields of a parsed configuration (those declared with `str({ secret: true })`)
 * so that it can be printed or shown in status. The schema says which fields are secret: a new
 * secret field is masked without touching this file. Pure.
 */
import type { z } from 'zod';

export const MASK = '********';

/** A copy of `value` with every secret field of `schema` that is set replaced by MASK. */
export function redactSecrets<T>(schema: z.ZodType, value: T): T {
  return redact(schema, structuredClone(value)) as T;
}

function redact(schema: z.ZodType, value: unknown): unknown {
  const s = unwrap(schema);
  if (s.meta()?.secret === true) return value === '' || value === undefined ? value : MASK;
  const shape = (s as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (shape && value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [key, field] of Object.entries(shape)) if (key in obj) obj[key] = redact(field, obj[key]);
  }
  return value;
}

/** The secret fields and the sub-sections of an object schema (for secret-sources.ts). */
export function secretFieldsOf(schema: z.ZodType): { secrets: string[]; sections: [string, z.ZodType][] } {
  const shape = (unwrap(schema) as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const secrets: string[] = [];
  const sections: [string, z.ZodType][] = [];
  for (const [key, field] of Object.entries(shape)) {
    const f = unwrap(field);
    if (f.meta()?.secret === true) secrets.push(key);
    else if ((f as unknown as { shape?: unknown }).shape) sections.push([key, field]);
  }
  return { secrets, sections };
}

/** Through prefault, default and optional wrappers to the schema that has the shape or the meta. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s.meta()?.secret === true) return s;
    const inner = (s.def as { innerType?: z.ZodType }).innerType;
    if (!inner) return s;
    s = inner;
  }
}
