// The org core's public surface for the other emulator modules.
import type { CompiledSoql, OrgStore } from '../contract.js';

export { MemoryOrgStore, type OrgStoreOptions } from './store.js';
export { makeId, toId18, isIdShaped, caseSuffix } from './ids.js';
export { formatDatetime, parseDatetime } from './values.js';

/** Compiles `soql` against `org` into a record matcher (see CompiledSoql); throws SfRequestError when invalid. */
export function compileSoql(soql: string, org: OrgStore): CompiledSoql {
  return org.compileSoql(soql);
}
