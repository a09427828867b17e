// Shapes shared by the steps of one outbound flush (claim → send → write results).
import type { FoldedWrite } from './outbound-batch';
import type { SfJsonValue } from './wire-values';

/** A record-level error as Salesforce reported it (stored as JSON in `_trigger_log.sf_message`). */
export interface SalesforceErrorInfo {
  code: string;
  message: string;
  fields: string[];
}

/** A folded write made ready for Salesforce. */
export interface PreparedWrite {
  write: FoldedWrite;
  kind: 'insert' | 'update' | 'delete';
  /** Target record for update/delete. */
  sfid: string | null;
  /** Body fields by API name (insert/update). */
  record: Record<string, SfJsonValue>;
}

export type WriteOutcome = { ok: true; sfid: string | null } | { ok: false; error: SalesforceErrorInfo };

/** A write and what became of it. */
export interface SettledWrite {
  write: FoldedWrite;
  kind: PreparedWrite['kind'] | 'none';
  outcome: WriteOutcome;
}

/** Salesforce record-level error as collections report it (statusCode) or single REST calls (errorCode). */
export function toErrorInfo(e: { statusCode?: string; errorCode?: string; message?: string; fields?: string[] } | undefined): SalesforceErrorInfo {
  return { code: e?.statusCode ?? e?.errorCode ?? 'UNKNOWN', message: e?.message ?? '', fields: e?.fields ?? [] };
}
