// A mapping is checked against the org's describe before its workflow starts, so a config that cannot sync
// is refused in the response (422 naming the object or field) instead of halting later as BAD_CONFIG.
// Relationship external ID fields (`Account__External_ID__c`) also need the parent's describe: one more
// describe per parent object.
import type { DescribeSObjectResult } from 'jsforce';
import { resolveFieldCase, validateAgainstDescribe } from '../domain/describe-validation';
import type { ConfigIssue, MappingConfig } from '../domain/mapping-rules';
import { validateRecordFilter } from '../domain/record-filter';
import { relationshipParents } from '../domain/relationship-fields';
import type { OrgClient } from './salesforce-org';

/** The config with the object and fields spelled as the org spells them, or the issues that refuse it. */
export async function checkAgainstOrg(org: OrgClient, cfg: MappingConfig, pathPrefix = ''): Promise<{ config?: MappingConfig; issues: ConfigIssue[]; describe?: DescribeSObjectResult; parents?: Map<string, DescribeSObjectResult | undefined> }> {
  const describe = await org.describe(cfg.objectName);
  const parents = new Map<string, DescribeSObjectResult | undefined>();
  if (describe) for (const p of relationshipParents(cfg.fields, describe)) parents.set(p, await org.describe(p));
  const issues = [
    ...validateAgainstDescribe(cfg, describe, parents),
    ...(describe ? validateRecordFilter(cfg.sfFilter, describe) : []),
  ].map((i) => ({ ...i, path: pathPrefix + i.path }));
  if (issues.length > 0 || !describe) return { issues };
  return { config: { ...cfg, objectName: describe.name, fields: resolveFieldCase(cfg, describe) }, issues, describe, parents };
}
