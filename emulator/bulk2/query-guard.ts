// What Bulk API 2.0 refuses at query-job creation, before any record is read: GROUP BY, OFFSET, TYPEOF,
// aggregate functions, FIELDS(), parent-to-child subqueries. Everything else (syntax, unknown fields) is left to
// the org's SOQL engine and surfaces as a Failed job.
import { parseQuery, type Query } from '@jetstreamapp/soql-parser-js';
import { SfRequestError } from '../contract.js';

export interface QueryShape {
  /** The FROM object as written, or undefined when the text does not parse. */
  object: string | undefined;
}

function unsupported(what: string): never {
  throw new SfRequestError(400, 'API_ERROR', `${what} is not supported by Bulk API 2.0 query jobs`);
}

/** Throws SfRequestError(400) for SOQL that Bulk API 2.0 does not run; returns the object for the JobInfo. */
export function checkBulkQuery(soql: unknown): QueryShape {
  if (typeof soql !== 'string' || soql.trim() === '') {
    throw new SfRequestError(400, 'INVALIDJOB', 'The query is required to create a query job');
  }
  let parsed: Query;
  try {
    parsed = parseQuery(soql);
  } catch {
    return { object: /\bFROM\s+(\w+)/i.exec(soql)?.[1] };
  }
  if (parsed.groupBy) unsupported('GROUP BY');
  if (parsed.offset !== undefined) unsupported('OFFSET');
  for (const field of parsed.fields ?? []) {
    switch (field.type) {
      case 'FieldSubquery':
        unsupported('A parent-to-child relationship query');
        break;
      case 'FieldTypeof':
        unsupported('TYPEOF');
        break;
      case 'FieldFunctionExpression':
        if (field.isAggregateFn) unsupported(`The aggregate function ${field.functionName}()`);
        if (field.functionName.toUpperCase() === 'FIELDS') unsupported('FIELDS()');
        break;
      default:
        break;
    }
  }
  return { object: parsed.sObject };
}
