// The README's type table is the type map ferry applies: a change to one without the other fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TYPE_TABLE } from '../../domain/type-map';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

describe('README', () => {
  it.each(TYPE_TABLE.map((r) => [r.salesforceType, r]))('documents the Postgres type of %s', (_type, rule) => {
    expect(readme).toContain(`| \`${rule.salesforceType}\` | \`${rule.postgresType}\` | ${rule.note} |`);
  });
});
