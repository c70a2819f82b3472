/**
 * The shipped JSON Schema of events (docs/events.v1.schema.json) is generated from the zod schemas
 * the publisher's events are checked against: this fails when they drift apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventJsonSchema } from '../../kernel/events/event.js';

describe('events JSON Schema', () => {
  it('docs/events.v1.schema.json is what `npm run events:schema` writes now', () => {
    const shipped = readFileSync(
      join(import.meta.dirname, '..', '..', 'docs', 'events.v1.schema.json'),
      'utf8',
    );
    expect(shipped).toBe(eventJsonSchema());
  });
});
