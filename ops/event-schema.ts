/** Writes the JSON Schema of Tandem's events (`npm run events:schema`; a component test checks it). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventJsonSchema } from '../kernel/events/event.js';

const out = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'docs', 'events.v1.schema.json');
writeFileSync(out, eventJsonSchema());
process.stdout.write(`wrote ${out}\n`);
