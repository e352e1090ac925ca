/**
 * `npm run json-schema`: writes docs/json-schema.json, the JSON Schema of every `--json` output,
 * from the zod schemas that define them (src/schema/json-output.ts). A test fails while the file
 * is not what they make.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonOutputSchema } from '../src/schema/json-envelope.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/json-schema.json');
writeFileSync(file, `${JSON.stringify(jsonOutputSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
