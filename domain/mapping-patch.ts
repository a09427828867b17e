// Partial reconfiguration of a running mapping (API PATCH, workflow update validator). Plain code without zod,
// so workflow code can validate an update with exactly the rules the import uses.
import {
  ConfigError, checkAccess, checkFieldReferences, checkFlushInterval, checkMaxDailyApiCalls, checkPollInterval, checkPollOverlap,
  checkFormulaRefresh, checkSfFilter, checkStreamingSource, checkSyncMode, checkVerifyInterval, normalizeFields,
  type Access, type ConfigIssue, type MappingConfig, type StreamingSource, type SyncMode,
} from './mapping-rules.js';

/** What may change on a live mapping. The object, schema, indexes and upsert field need a new mapping. */
export interface ConfigPatch {
  fields?: string[];
  pollIntervalSeconds?: number;
  pollOverlapSeconds?: number;
  access?: Access;
  syncMode?: SyncMode;
  streamingSource?: StreamingSource;
  flushIntervalSeconds?: number;
  maxDailyApiCalls?: number | null;
  sfFilter?: string | null;
  formulaRefreshSeconds?: number | null;
  verifyIntervalSeconds?: number | null;
}

type Check = (value: unknown, path: string) => ConfigIssue[];

const CHECKS: Record<Exclude<keyof ConfigPatch, 'fields'>, Check> = {
  pollIntervalSeconds: checkPollInterval,
  pollOverlapSeconds: checkPollOverlap,
  access: checkAccess,
  syncMode: checkSyncMode,
  streamingSource: checkStreamingSource,
  flushIntervalSeconds: checkFlushInterval,
  maxDailyApiCalls: checkMaxDailyApiCalls,
  sfFilter: checkSfFilter,
  formulaRefreshSeconds: checkFormulaRefresh,
  verifyIntervalSeconds: checkVerifyInterval,
};

/**
 * `cfg` with `patch` applied, validated by the same rules as an import; issue paths are the patch's keys
 * (`pollIntervalSeconds`, `fields[3]`). Throws ConfigError, leaving `cfg` untouched. Dropping a field that is
 * indexed or is the upsert field is refused.
 */
export function applyConfigPatch(cfg: MappingConfig, patch: unknown): MappingConfig {
  const { next, issues } = patched(cfg, patch);
  if (issues.length > 0) throw new ConfigError(issues);
  return next;
}

/**
 * `cfg` with a patch applied that was validated already (by applyConfigPatch in the API and in the workflow
 * update's validator): the update handler applies it without judging it a third time.
 */
export function mergeConfigPatch(cfg: MappingConfig, patch: ConfigPatch): MappingConfig {
  return patched(cfg, patch).next;
}

function patched(cfg: MappingConfig, patch: unknown): { next: MappingConfig; issues: ConfigIssue[] } {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return { next: cfg, issues: [{ path: '', rule: 'type', message: 'A configuration patch must be an object' }] };
  }
  const input = patch as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  const next: MappingConfig = { ...cfg };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (key === 'fields') {
      if (!Array.isArray(value) || !value.every((f) => typeof f === 'string')) {
        issues.push({ path: 'fields', rule: 'type', message: 'fields must be a list of field API names' });
        continue;
      }
      const normalized = normalizeFields(value as string[], (_name, i) => `fields[${i}]`);
      issues.push(...normalized.issues);
      next.fields = normalized.fields;
      continue;
    }
    const check = (CHECKS as Record<string, Check | undefined>)[key];
    if (!check) {
      issues.push({ path: key, rule: 'unknown_key', message: `"${key}" cannot be changed on an existing mapping` });
      continue;
    }
    const found = check(value, key);
    if (found.length > 0) issues.push(...found);
    else (next as unknown as Record<string, unknown>)[key] = key === 'sfFilter' && typeof value === 'string' ? value.trim() : value;
  }
  if (issues.length === 0) {
    issues.push(...checkFieldReferences(next, { index: () => 'fields', upsertField: 'fields' }));
  }
  return { next, issues };
}
