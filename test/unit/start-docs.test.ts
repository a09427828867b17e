// Every variable `npm start` reads is documented in the README (issue 17: FERRY_DEMO_ORG_PORT and TEMPORAL_UI_URL
// were read but undocumented).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const sources = ['scripts/start.ts', 'scripts/runtime/demo-org.ts', 'scripts/runtime/postgres.ts', 'scripts/runtime/temporal.ts']
  .map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
const read = [...new Set([...sources.matchAll(/(?:env|process\.env)\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]))].sort();

describe('npm start\'s variables', () => {
  it('reads the ones the issue named', () => {
    expect(read).toEqual(expect.arrayContaining(['FERRY_DEMO_ORG_PORT', 'TEMPORAL_UI_URL', 'FERRY_PG_PORT', 'FERRY_TEMPORAL_PORT', 'FERRY_DATA_DIR']));
  });
  it.each(read)('documents %s', (name) => {
    expect(readme).toContain(`\`${name}\``);
  });
});
