// REST sObject resources: describes, single-record CRUD, upsert by external id, getUpdated/getDeleted.
import express from 'express';
import { SfRecordError, SfRequestError, type EmulatorContext, type ObjectDef, type SfRecord, type SfRow } from '../contract.js';
import { formatDatetime, parseDatetime } from '../org/values.js';
import { describeGlobal, describeObject, globalEntry } from './describe.js';

const REPLICATION_WINDOW_MS = 15 * 86_400_000;
const MAX_REPLICATION_IDS = 600_000;

type Params = { version: string; type: string; id: string; field: string; value: string };
const params = (req: express.Request) => req.params as unknown as Params;

/** The client an API request names in `Sforce-Call-Options: client=<name>[, …]`, if any. */
export function callOptionsClient(req: express.Request): string | undefined {
  return /(?:^|,)\s*client=([^,\s]+)/.exec(req.get('sforce-call-options') ?? '')?.[1];
}

/**
 * A REST change's origin as change events report it: `com/salesforce/api/rest/62.0`, plus `;client=<name>` when
 * the request named a client in Sforce-Call-Options (how an integration recognises its own echo).
 */
export const restOrigin = (version: string, req?: express.Request) => {
  const client = req ? callOptionsClient(req) : undefined;
  return `com/salesforce/api/rest/${version}${client ? `;client=${client}` : ''}`;
};

function objectOf(ctx: EmulatorContext, type: string): ObjectDef {
  const def = ctx.org.describe(type);
  if (!def) throw new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return def;
}

function bodyRecord(req: express.Request): SfRecord {
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SfRequestError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  return body as SfRecord;
}

/** A record restricted to `fields` (all when undefined), with its attributes, as retrieve returns it. */
export function shapeRecord(def: ObjectDef, record: SfRecord, fields: string[] | undefined, version: string): SfRow {
  const out: SfRow = { attributes: { type: def.name, url: `/services/data/v${version}/sobjects/${def.name}/${String(record.Id)}` } };
  const names = fields ?? def.fields.map((f) => f.name);
  for (const name of names) {
    const f = def.fields.find((x) => x.name.toLowerCase() === name.trim().toLowerCase());
    if (!f) throw new SfRequestError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
    out[f.name] = record[f.name] ?? null;
  }
  return out;
}

function replicationRange(req: express.Request, now: number): { start: number; end: number } {
  const start = typeof req.query.start === 'string' ? parseDatetime(req.query.start) : NaN;
  const end = typeof req.query.end === 'string' ? parseDatetime(req.query.end) : NaN;
  if (Number.isNaN(start) || Number.isNaN(end)) throw new SfRequestError(400, 'MALFORMED_QUERY', 'start and end must be ISO 8601 datetimes');
  if (end < start) throw new SfRequestError(400, 'INVALID_REPLICATION_DATE', 'end date must be after start date');
  if (start < now - REPLICATION_WINDOW_MS) throw new SfRequestError(400, 'INVALID_REPLICATION_DATE', 'start date cannot be more than 15 days ago');
  return { start, end: Math.min(end, now) };
}

/**
 * How far getUpdated/getDeleted covered: the end asked for, capped at the org's now, and held back to the
 * start of the oldest write still committing (its changes, stamped earlier, are not visible yet).
 */
function latestDateCovered(ctx: EmulatorContext, end: number): number {
  return Math.min(end, ctx.orgTime?.oldestOpenStamp() ?? Infinity);
}

export function sobjectRouter(ctx: EmulatorContext): express.Router {
  const router = express.Router({ mergeParams: true });
  const org = ctx.org;
  const orgNow = () => ctx.orgTime?.now() ?? Date.now();

  router.get('/sobjects', (req, res) => {
    res.json(describeGlobal(org.objects(), params(req).version));
  });
  router.get('/sobjects/:type', (req, res) => {
    const def = objectOf(ctx, params(req).type);
    res.json({ objectDescribe: globalEntry(def, params(req).version), recentItems: [] });
  });
  router.get('/sobjects/:type/describe', (req, res) => {
    const def = objectOf(ctx, params(req).type);
    res.json(describeObject(def, org.objects(), params(req).version));
  });
  router.post('/sobjects/:type', (req, res) => {
    const def = objectOf(ctx, params(req).type);
    const id = org.create(def.name, bodyRecord(req), restOrigin(params(req).version, req));
    res.status(201).json({ id, success: true, errors: [] });
  });

  router.get('/sobjects/:type/updated', (req, res) => {
    const def = objectOf(ctx, params(req).type);
    const { start, end } = replicationRange(req, orgNow());
    const ids = org.updatedIds(def.name, start, end);
    if (ids.length > MAX_REPLICATION_IDS) throw new SfRequestError(400, 'EXCEEDED_ID_LIMIT', `too many ids: ${ids.length} (limit ${MAX_REPLICATION_IDS})`);
    res.json({ ids, latestDateCovered: formatDatetime(latestDateCovered(ctx, end)) });
  });
  const deleted: express.RequestHandler = (req, res) => {
    const def = objectOf(ctx, params(req).type);
    const now = orgNow();
    const { start, end } = replicationRange(req, now);
    const deletedRecords = org.deletedRecords(def.name, start, end);
    if (deletedRecords.length > MAX_REPLICATION_IDS) throw new SfRequestError(400, 'EXCEEDED_ID_LIMIT', `too many ids: ${deletedRecords.length} (limit ${MAX_REPLICATION_IDS})`);
    res.json({ deletedRecords, earliestDateAvailable: formatDatetime(now - REPLICATION_WINDOW_MS), latestDateCovered: formatDatetime(latestDateCovered(ctx, end)) });
  };
  router.get('/sobjects/:type/deleted', deleted);
  router.get('/sobjects/:type/deleted/', deleted);

  // Generic streaming: push payloads to a StreamingChannel's subscribers (/u/<name>), or see who listens.
  const channelOf = (req: express.Request): string => {
    const p = params(req) as { type: string; id: string };
    if (p.type.toLowerCase() !== 'streamingchannel') throw new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const record = org.get('StreamingChannel', p.id);
    if (!record) throw new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return String(record.Name);
  };
  router.get('/sobjects/:type/:id/push', (req, res) => {
    const channel = channelOf(req);
    res.json({ ChannelName: channel, OnlineUserIds: [] });
  });
  router.post('/sobjects/:type/:id/push', (req, res) => {
    const channel = channelOf(req);
    const events = (req.body as { pushEvents?: unknown } | undefined)?.pushEvents;
    if (!Array.isArray(events) || events.length === 0) throw new SfRequestError(400, 'JSON_PARSER_ERROR', 'pushEvents must be a non-empty array');
    const streaming = ctx.streaming?.();
    res.json(events.map((e: { payload?: unknown; userIds?: unknown }) => {
      if (typeof e?.payload !== 'string') throw new SfRequestError(400, 'JSON_PARSER_ERROR', 'each push event needs a string payload');
      const fanoutCount = streaming?.pushGeneric?.(channel, e.payload) ?? 0;
      return { fanoutCount, userOnlineStatus: {} };
    }));
  });

  router.get('/sobjects/:type/:id', (req, res) => {
    const def = objectOf(ctx, params(req).type);
    const record = org.get(def.name, params(req).id);
    if (!record) throw new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const fields = typeof req.query.fields === 'string' ? req.query.fields.split(',').filter((f) => f.trim() !== '') : undefined;
    res.json(shapeRecord(def, record, fields, params(req).version));
  });
  router.patch('/sobjects/:type/:id', (req, res) => {
    const def = objectOf(ctx, params(req).type);
    org.update(def.name, params(req).id, bodyRecord(req), restOrigin(params(req).version, req));
    res.status(204).end();
  });
  router.delete('/sobjects/:type/:id', (req, res) => {
    const def = objectOf(ctx, params(req).type);
    org.remove(def.name, params(req).id, restOrigin(params(req).version, req));
    res.status(204).end();
  });

  router.get('/sobjects/:type/:field/:value', (req, res) => {
    const { type, field, value, version } = params(req);
    const def = objectOf(ctx, type);
    const ids = org.findByExternalId(def.name, field, value);
    if (ids.length === 0) throw new SfRequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (ids.length > 1) {
      res.status(300).json(ids.map((id) => `/services/data/v${version}/sobjects/${def.name}/${id}`));
      return;
    }
    res.json(shapeRecord(def, org.get(def.name, ids[0])!, undefined, version));
  });
  const upsert: express.RequestHandler = (req, res) => {
    const { type, field, value, version } = params(req);
    const def = objectOf(ctx, type);
    const f = def.fields.find((x) => x.name.toLowerCase() === field.toLowerCase());
    if (!f || !(f.externalId || f.name === 'Id')) throw new SfRequestError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${field}`);
    try {
      const { id, created } = org.upsert(def.name, f.name, value, bodyRecord(req), restOrigin(version, req));
      res.status(created ? 201 : 200).json({ id, success: true, errors: [], created });
    } catch (err) {
      if (err instanceof SfRecordError && err.errors[0]?.statusCode === 'DUPLICATE_EXTERNAL_ID') {
        res.status(300).json(org.findByExternalId(def.name, f.name, value).map((id) => `/services/data/v${version}/sobjects/${def.name}/${id}`));
        return;
      }
      throw err;
    }
  };
  router.patch('/sobjects/:type/:field/:value', upsert);
  router.post('/sobjects/:type/:field/:value', upsert);
  return router;
}
