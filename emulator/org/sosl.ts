// Basic SOSL (`FIND {Acme} IN NAME FIELDS RETURNING Account(Id, Name WHERE Industry = 'Energy'), Contact`)
// and the recently viewed records (/recent), over the org's tables. A search term's words must all occur
// (case-insensitively; `*` and `?` are wildcards) in one of the scope's text fields; each RETURNING object
// runs as SOQL with that term as an extra condition.
import { SfRequestError, type SfRow } from '../contract.js';
import type { EmulatorFieldDef } from './field-defs.js';
import { parseSoql } from './soql/parse.js';
import { runQuery, type EngineOptions } from './soql/query-engine.js';
import type { TableLookup } from './soql/paths.js';
import { LIVE, type Table } from './table.js';

const malformedSearch = (message: string) => new SfRequestError(400, 'MALFORMED_SEARCH', message);
const TEXT = new Set(['string', 'textarea', 'email', 'phone', 'picklist', 'multipicklist', 'url', 'combobox']);
type Scope = 'ALL' | 'NAME' | 'EMAIL' | 'PHONE' | 'SIDEBAR';

/** Splits `a, b(c, d), e` at top-level commas, leaving quoted text alone. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') { i++; continue; }
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((s) => s !== '');
}

function termMatcher(term: string): (value: string) => boolean {
  const words = term.replace(/["()]/g, ' ').split(/\s+/).filter((w) => w !== '' && !/^(AND|OR|AND NOT)$/i.test(w));
  if (words.length === 0 || words.every((w) => w.replace(/[*?]/g, '').length < 2)) {
    throw new SfRequestError(400, 'INVALID_SEARCH', 'search term must be longer than one character');
  }
  const res = words.map((w) => new RegExp(w.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.'), 'i'));
  return (value) => res.every((re) => re.test(value));
}

function searchedFields(table: Table, scope: Scope): Table['fields'] {
  return table.fields.filter((s) => {
    const f = s.def as EmulatorFieldDef;
    if (s.col === null || !TEXT.has(f.type)) return false;
    if (scope === 'NAME') return f.nameField;
    if (scope === 'EMAIL') return f.type === 'email';
    if (scope === 'PHONE') return f.type === 'phone';
    return true;
  });
}

export function runSearch(lookup: TableLookup, sosl: string, opts: Omit<EngineOptions, 'rowFilter'>): { searchRecords: SfRow[] } {
  const m = /^\s*FIND\s+\{((?:[^}\\]|\\.)*)\}\s*(?:IN\s+(ALL|NAME|EMAIL|PHONE|SIDEBAR)\s+FIELDS\s*)?(?:RETURNING\s+([\s\S]*?))?(?:\s+LIMIT\s+(\d+))?\s*$/i.exec(sosl ?? '');
  if (!m) throw malformedSearch(`Search string must be of the form FIND {term} [IN … FIELDS] [RETURNING …]: ${String(sosl).slice(0, 200)}`);
  const matches = termMatcher(m[1]);
  const scope = (m[2]?.toUpperCase() ?? 'ALL') as Scope;
  const overall = m[4] ? Number(m[4]) : 2000;
  const specs = m[3] ? splitTopLevel(m[3]) : lookup.objects().filter((o) => o.queryable && searchedFields(lookup.tableByName(o.name)!, scope).length > 0).map((o) => o.name);
  const records: SfRow[] = [];
  for (const spec of specs) {
    const sm = /^(\w+)\s*(?:\(([\s\S]*)\))?$/.exec(spec);
    if (!sm) throw malformedSearch(`unexpected RETURNING clause: ${spec}`);
    const table = lookup.tableByName(sm[1]);
    if (!table) throw new SfRequestError(400, 'INVALID_TYPE', `sObject type '${sm[1]}' is not supported.`);
    const inner = sm[2]?.trim() ?? '';
    const clause = /\b(WHERE|ORDER\s+BY|LIMIT|OFFSET)\b/i.exec(inner);
    const fieldList = (clause ? inner.slice(0, clause.index) : inner).trim() || 'Id';
    const rest = clause ? inner.slice(clause.index) : '';
    const fields = searchedFields(table, scope);
    const rowFilter = (t: Table, r: number) => {
      for (const s of fields) {
        const v = s.col!.get(r);
        if (typeof v === 'string' && matches(v)) return true;
      }
      return false;
    };
    const cursor = runQuery(lookup, parseSoql(`SELECT ${fieldList} FROM ${table.name} ${rest}`), { ...opts, rowFilter });
    for (let i = 0; i < cursor.size && records.length < overall; i++) records.push(cursor.row(i));
  }
  return { searchRecords: records };
}

/** Recently viewed records (LastViewedDate set, by FOR VIEW), newest first: `[{attributes, Id, Name}]`. */
export function recentRecords(lookup: TableLookup, limit: number, apiVersion: string): SfRow[] {
  const found: { at: number; table: Table; row: number }[] = [];
  for (const def of lookup.objects()) {
    const table = lookup.tableByName(def.name)!;
    const viewed = table.slot('LastViewedDate')?.col;
    if (!viewed) continue;
    for (let r = 0; r < table.size; r++) {
      const at = viewed.get(r);
      if (typeof at === 'number' && table.status[r] === LIVE) found.push({ at, table, row: r });
    }
  }
  found.sort((a, b) => b.at - a.at);
  return found.slice(0, limit).map(({ table, row }) => {
    const name = table.fields.find((s) => (s.def as EmulatorFieldDef).nameField);
    const id = table.idOf(row);
    return {
      attributes: { type: table.name, url: `/services/data/v${apiVersion}/sobjects/${table.name}/${id}` },
      Id: id,
      ...(name ? { [name.def.name]: table.wire(name, row) } : {}),
    };
  });
}
