// sObject Collections (/composite/sobjects): up to 200 records a request, results in input order, per-record
// errors with `statusCode`. allOrNone validates every record before committing any, so a failure leaves the
// org untouched and the valid records report ALL_OR_NONE_OPERATION_ROLLED_BACK.
import express from 'express';
import { SfRecordError, SfRequestError, type EmulatorContext, type SfError, type SfRecord } from '../contract.js';
import { resolveRelationshipRefs } from './relationship-refs.js';
import { restOrigin, shapeRecord } from './sobject-routes.js';

const MAX_RECORDS = 200;
const ROLLED_BACK: SfError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

type Result = { id?: string; success: boolean; errors: SfError[]; created?: boolean };
type Params = { version: string; type: string; field: string };

const errorsOf = (err: unknown): SfError[] => {
  if (err instanceof SfRecordError) return err.errors;
  if (err instanceof SfRequestError) return [{ statusCode: err.errorCode, message: err.message, fields: [] }];
  throw err;
};

function parseBody(req: express.Request): { allOrNone: boolean; records: SfRecord[] } {
  const body = req.body as { allOrNone?: unknown; records?: unknown } | undefined;
  if (!body || !Array.isArray(body.records)) throw new SfRequestError(400, 'JSON_PARSER_ERROR', 'records must be an array');
  if (body.records.length > MAX_RECORDS) throw new SfRequestError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`);
  return { allOrNone: body.allOrNone === true || body.allOrNone === 'true', records: body.records as SfRecord[] };
}

const typeOf = (r: SfRecord) => (r.attributes as unknown as { type?: string } | undefined)?.type;
const plainFieldsOf = (r: SfRecord): SfRecord => {
  const { attributes: _a, id: _id, Id: _Id, ...rest } = r;
  return rest;
};

/** Unique values repeated inside one request: validation alone cannot see them (nothing is committed yet). */
function duplicatesInBatch(ctx: EmulatorContext, records: SfRecord[]): Map<number, SfError> {
  const seen = new Map<string, number>();
  const out = new Map<number, SfError>();
  records.forEach((r, i) => {
    const def = ctx.org.describe(typeOf(r) ?? '');
    for (const f of def?.fields ?? []) {
      const v = r[f.name];
      if (!f.unique || v === null || v === undefined || v === '') continue;
      const key = `${def!.name}.${f.name}=${String(v).toLowerCase()}`;
      if (seen.has(key)) out.set(i, { statusCode: 'DUPLICATE_VALUE', message: `duplicate value found: ${f.name} duplicates value on record in this request`, fields: [f.name] });
      else seen.set(key, i);
    }
  });
  return out;
}

/**
 * Applies `op` to every record. With allOrNone, `check` runs first over all of them; any failure means
 * nothing is applied.
 */
function applyAll(records: SfRecord[], allOrNone: boolean, check: (r: SfRecord, i: number) => SfError[], op: (r: SfRecord) => Result, upsert = false): Result[] {
  // Upsert results always say whether a record was created, failed ones too (created: false).
  const failedExtra = upsert ? { created: false } : {};
  if (allOrNone) {
    const problems = records.map((r, i) => {
      try {
        return check(r, i);
      } catch (err) {
        return errorsOf(err);
      }
    });
    if (problems.some((p) => p.length > 0)) {
      return records.map((r, i) => ({ ...(typeof r.id === 'string' ? { id: r.id } : {}), success: false, errors: problems[i].length ? problems[i] : [ROLLED_BACK], ...failedExtra }));
    }
  }
  return records.map((r) => {
    try {
      return op(r);
    } catch (err) {
      return { ...(typeof r.id === 'string' ? { id: r.id } : {}), success: false, errors: errorsOf(err), ...failedExtra };
    }
  });
}

export function collectionRouter(ctx: EmulatorContext): express.Router {
  const router = express.Router({ mergeParams: true });
  const org = ctx.org;
  const origin = (req: express.Request) => restOrigin((req.params as Params).version, req);
  // Parent references by external id (`"Account": {"External_ID__c": "A-1"}`) become the lookup's Id.
  const fieldsOf = (r: SfRecord, type = typeOf(r)): SfRecord => resolveRelationshipRefs(org, type, plainFieldsOf(r));
  const needType = (r: SfRecord): string => {
    const type = typeOf(r);
    if (!type || !org.describe(type)) throw new SfRecordError([{ statusCode: 'INVALID_TYPE', message: type ? `sObject type '${type}' is not supported.` : 'Must send a concrete entity type.', fields: [] }]);
    return type;
  };

  router.post('/composite/sobjects', (req, res) => {
    const { allOrNone, records } = parseBody(req);
    const dups = duplicatesInBatch(ctx, records);
    res.json(org.transaction(origin(req), () => applyAll(records, allOrNone,
      (r, i) => [...org.validate(needType(r), fieldsOf(r)), ...(dups.has(i) ? [dups.get(i)!] : [])],
      (r) => ({ id: org.create(needType(r), fieldsOf(r), origin(req)), success: true, errors: [] }))));
  });

  router.patch('/composite/sobjects', (req, res) => {
    const { allOrNone, records } = parseBody(req);
    const dups = duplicatesInBatch(ctx, records);
    const idOf = (r: SfRecord) => {
      if (typeof r.id !== 'string' && typeof r.Id !== 'string') throw new SfRecordError([{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: ['Id'] }]);
      return String(r.id ?? r.Id);
    };
    res.json(org.transaction(origin(req), () => applyAll(records, allOrNone,
      (r, i) => [...org.validate(needType(r), fieldsOf(r), idOf(r)), ...(dups.has(i) ? [dups.get(i)!] : [])],
      (r) => {
        org.update(needType(r), idOf(r), fieldsOf(r), origin(req));
        return { id: org.get(needType(r), idOf(r))?.Id as string, success: true, errors: [] };
      })));
  });

  router.patch('/composite/sobjects/:type/:field', (req, res) => {
    const { type, field } = req.params as Params;
    const def = org.describe(type);
    if (!def) throw new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const f = def.fields.find((x) => x.name.toLowerCase() === field.toLowerCase());
    if (!f || !f.externalId) throw new SfRequestError(400, 'INVALID_FIELD', `Provided external ID field does not exist or is not accessible: ${field}`);
    const { allOrNone, records } = parseBody(req);
    const keyOf = (r: SfRecord) => {
      const v = Object.entries(r).find(([k]) => k.toLowerCase() === f.name.toLowerCase())?.[1];
      if (v === undefined || v === null || v === '') throw new SfRecordError([{ statusCode: 'MISSING_ARGUMENT', message: `${f.name} not specified`, fields: [f.name] }]);
      return String(v);
    };
    const seen = new Set<string>();
    res.json(org.transaction(origin(req), () => applyAll(records, allOrNone,
      (r) => {
        const key = keyOf(r);
        if (seen.has(key.toLowerCase())) return [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${f.name}: duplicate value in this request: ${key}`, fields: [f.name] }];
        seen.add(key.toLowerCase());
        const ids = org.findByExternalId(def.name, f.name, key);
        if (ids.length > 1) return [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${f.name}: more than one record found for external id field: ${ids.join(', ')}`, fields: [f.name] }];
        return org.validate(def.name, { ...fieldsOf(r, def.name), ...(ids.length ? {} : { [f.name]: key }) }, ids[0]).filter((e) => !(ids.length && e.fields.includes(f.name)));
      },
      (r) => {
        const { id, created } = org.upsert(def.name, f.name, keyOf(r), fieldsOf(r, def.name), origin(req));
        return { id, success: true, errors: [], created };
      }, true)));
  });

  router.delete('/composite/sobjects', (req, res) => {
    const ids = typeof req.query.ids === 'string' ? req.query.ids.split(',').filter(Boolean) : [];
    if (ids.length > MAX_RECORDS) throw new SfRequestError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`);
    const allOrNone = req.query.allOrNone === 'true';
    const prefixes = new Map(org.objects().map((o) => [o.keyPrefix, o.name]));
    const typeOfId = (id: string) => {
      const type = prefixes.get(id.slice(0, 3));
      if (!type || (id.length !== 15 && id.length !== 18)) throw new SfRecordError([{ statusCode: 'MALFORMED_ID', message: `malformed id ${id}`, fields: [] }]);
      return type;
    };
    const records = ids.map((id) => ({ id }));
    res.json(org.transaction(origin(req), () => applyAll(records, allOrNone,
      (r) => {
        const id = String(r.id);
        const type = typeOfId(id);
        if (org.get(type, id)) return [];
        return org.get(type, id, true)
          ? [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }]
          : [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }];
      },
      (r) => {
        const id = String(r.id);
        org.remove(typeOfId(id), id, origin(req));
        return { id, success: true, errors: [] };
      })));
  });

  const retrieve: express.RequestHandler = (req, res) => {
    const { type, version } = req.params as Params;
    const def = org.describe(type);
    if (!def) throw new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const body = (req.body ?? {}) as { ids?: unknown; fields?: unknown };
    const split = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : []);
    const ids = req.method === 'GET' ? split(req.query.ids) : split(body.ids);
    const fields = req.method === 'GET' ? split(req.query.fields) : split(body.fields);
    if (ids.length > 2000) throw new SfRequestError(400, 'EXCEEDED_ID_LIMIT', 'cannot retrieve more than 2000 records');
    if (fields.length === 0) throw new SfRequestError(400, 'MALFORMED_QUERY', 'fields must be specified');
    res.json(ids.map((id) => {
      const record = org.get(def.name, id);
      return record ? shapeRecord(def, record, fields, version) : null;
    }));
  };
  router.post('/composite/sobjects/:type', retrieve);
  router.get('/composite/sobjects/:type', retrieve);
  return router;
}
