// A mapping is addressed in URLs by its object (`/mappings/Contact`), or by schema and object when it lives
// outside the default schema (`/mappings/sales.Contact`). The name is parsed here, once, into the domain's
// MappingIdentity (domain/mapping-id.ts), which every route passes on.
import { parseMappingName, type MappingIdentity } from '../domain/mapping-id';
import { Problem } from './problem';

export type { MappingIdentity as MappingRef };

/** `Contact` or `schema.Contact` from a URL → the mapping's identity; 404 for something that cannot be a mapping. */
export function refOfParam(param: string, defaultSchema: string): MappingIdentity {
  const identity = parseMappingName(param, defaultSchema);
  if (!identity) throw new Problem(404, `No mapping for "${param}"`);
  return identity;
}
