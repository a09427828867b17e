// A mapping is checked against the org's describe before its workflow starts, so a config that cannot sync
// is refused in the response (422 naming the object or field) instead of halting later as BAD_CONFIG.
import { resolveFieldCase, validateAgainstDescribe } from '../domain/describe-validation';
import type { ConfigIssue, MappingConfig } from '../domain/mapping-rules';
import type { OrgClient } from './salesforce-org';

/** The config with the object and fields spelled as the org spells them, or the issues that refuse it. */
export async function checkAgainstOrg(org: OrgClient, cfg: MappingConfig, pathPrefix = ''): Promise<{ config?: MappingConfig; issues: ConfigIssue[] }> {
  const describe = await org.describe(cfg.objectName);
  const issues = validateAgainstDescribe(cfg, describe).map((i) => ({ ...i, path: pathPrefix + i.path }));
  if (issues.length > 0 || !describe) return { issues };
  return { config: { ...cfg, objectName: describe.name, fields: resolveFieldCase(cfg, describe) }, issues };
}
