// Bulk API 1.0 (`/services/async/{version}/job…`), what jsforce's `conn.bulk` and `Query#update`/`destroy`
// above 200 records use. The session comes in the X-SFDC-Session header (or a Bearer token); every request
// is one DailyApiRequests call, as Salesforce counts them, and every batch one DailyBulkApiBatches.
// Errors are `<error><exceptionCode>…</exceptionCode><exceptionMessage>…</exceptionMessage></error>`.
//
//   POST /job                                  create (jobInfo XML)
//   GET  /job/:job, POST /job/:job             job info; close (state Closed) or abort (state Aborted)
//   POST /job/:job/batch, GET /job/:job/batch  add a batch (CSV, XML, or the SOQL of a query job); list them
//   GET  /job/:job/batch/:batch                batch info
//   GET  /job/:job/batch/:batch/request        the uploaded batch
//   GET  /job/:job/batch/:batch/result         ingest: one result per row (CSV or XML); query: result ids
//   GET  /job/:job/batch/:batch/result/:result query results (CSV or XML)
import express from 'express';
import type { OrgApiAccounting } from '../accounting.js';
import { bearerToken } from '../auth/oauth-routes.js';
import { lineEncoder } from '../bulk2/column-values.js';
import { dialectFrom } from '../bulk2/csv-format.js';
import { SfRequestError, type EmulatorContext, type SfValue } from '../contract.js';
import { AsyncApiError, Batch, batchInfo, Job, newJob, processBatch, rowErrors } from './jobs.js';
import { ASYNC_NS, childTexts, escapeXml, parseXml, xmlDocument, XmlSyntaxError } from './xml.js';

const XML_TYPE = 'application/xml; charset=UTF-8';
const MAX_BATCH_BYTES = 10_000_000;

function sendAsyncError(res: express.Response, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  let status = 500;
  let code = 'Unknown';
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof AsyncApiError) ({ status, exceptionCode: code } = err);
  else if (err instanceof SfRequestError) {
    status = err.httpStatus;
    code = err.errorCode === 'REQUEST_LIMIT_EXCEEDED' ? 'ExceededQuota' : err.errorCode;
  } else if (err instanceof XmlSyntaxError) {
    status = 400;
    code = 'InvalidXML';
  }
  res.status(status).type(XML_TYPE).send(xmlDocument('error', [['exceptionCode', code], ['exceptionMessage', message]]));
}

const sendXml = (res: express.Response, name: string, fields: [string, string | number | undefined][], status = 200) => {
  res.status(status).type(XML_TYPE).send(xmlDocument(name, fields));
};

export function bulk1Router(ctx: EmulatorContext, accounting: OrgApiAccounting): express.Router {
  const router = express.Router({ mergeParams: true });
  const jobs = new Map<string, Job>();
  const batches = new Map<string, Batch>();

  router.use((req, res, next) => {
    const version = (req.params as { version?: string }).version ?? '';
    if (!/^\d{2}\.0$/.test(version)) {
      sendAsyncError(res, new AsyncApiError(400, 'InvalidVersion', `Invalid api version: ${version}`));
      return;
    }
    const token = req.get('X-SFDC-Session') ?? bearerToken(req);
    const session = token ? ctx.auth.verify(token) : undefined;
    if (!session) {
      sendAsyncError(res, new AsyncApiError(400, 'InvalidSessionId', 'Invalid session id'));
      return;
    }
    res.locals.session = session;
    try {
      accounting.charge('rest');
    } catch (err) {
      sendAsyncError(res, err);
      return;
    }
    accounting.recordFamily('async');
    const { used, max } = accounting.usage();
    res.setHeader('Sforce-Limit-Info', `api-usage=${used}/${max}`);
    next();
  });
  router.use(express.text({ type: () => true, limit: MAX_BATCH_BYTES + 1_000_000 }));

  const handle = (fn: (req: express.Request, res: express.Response) => void): express.RequestHandler => (req, res) => {
    try {
      fn(req, res);
    } catch (err) {
      sendAsyncError(res, err);
    }
  };
  const body = (req: express.Request): string => (typeof req.body === 'string' ? req.body : '');
  const jobOf = (req: express.Request): Job => {
    const id = (req.params as { job: string }).job;
    const job = jobs.get(id) ?? jobs.get([...jobs.keys()].find((k) => k.slice(0, 15) === id.slice(0, 15)) ?? '');
    if (!job) throw new AsyncApiError(400, 'InvalidJob', `Invalid job id: ${id}`);
    return job;
  };
  const batchOf = (req: express.Request): Batch => {
    const job = jobOf(req);
    const id = (req.params as { batch: string }).batch;
    const batch = batches.get(id);
    if (!batch || batch.job !== job) throw new AsyncApiError(400, 'InvalidBatch', `Invalid batch id: ${id}`);
    return batch;
  };
  const version = (req: express.Request) => Number((req.params as { version: string }).version);
  const session = (res: express.Response) => (res.locals.session as { userId: string }).userId;

  router.post('/job', handle((req, res) => {
    const root = parseXml(body(req));
    if (root.name !== 'jobInfo') throw new AsyncApiError(400, 'InvalidXML', `expected <jobInfo>, found <${root.name}>`);
    const job = newJob(ctx, childTexts(root), session(res), version(req));
    jobs.set(job.id, job);
    sendXml(res, 'jobInfo', job.info(), 201);
  }));

  router.get('/job/:job', handle((req, res) => sendXml(res, 'jobInfo', jobOf(req).info())));

  router.post('/job/:job', handle((req, res) => {
    const job = jobOf(req);
    const root = parseXml(body(req));
    const state = childTexts(root).state;
    if (state !== 'Closed' && state !== 'Aborted') throw new AsyncApiError(400, 'InvalidJobState', `Invalid state: ${state ?? ''} (a job can only be Closed or Aborted)`);
    if (job.state !== 'Open' && !(job.state === state)) throw new AsyncApiError(400, 'InvalidJobState', `Job ${job.id} is ${job.state}; it can no longer be ${state}`);
    job.state = state;
    if (state === 'Aborted') {
      for (const b of job.batches) {
        if (b.state === 'Queued') {
          b.state = 'NotProcessed';
          b.modifiedMs = Date.now();
        }
      }
    }
    job.modifiedMs = Date.now();
    sendXml(res, 'jobInfo', job.info());
  }));

  router.post('/job/:job/batch', handle((req, res) => {
    const job = jobOf(req);
    if (job.state !== 'Open') throw new AsyncApiError(400, 'InvalidJobState', `${job.state} Job`);
    const payload = body(req);
    if (Buffer.byteLength(payload) > MAX_BATCH_BYTES) throw new AsyncApiError(400, 'InvalidBatch', `Batch size exceeds the limit of ${MAX_BATCH_BYTES} bytes`);
    const contentType = (req.get('content-type') ?? '').toLowerCase();
    const expected = job.isQuery ? null : job.contentType === 'CSV' ? 'text/csv' : 'xml';
    if (expected && !contentType.includes(expected)) {
      throw new AsyncApiError(400, 'InvalidBatch', `Content type ${contentType || '(none)'} does not match the job's ${job.contentType}`);
    }
    accounting.charge('bulk2-ingest');
    const batch = new Batch(job, payload);
    job.batches.push(batch);
    batches.set(batch.id, batch);
    // Processed after this response, as Salesforce queues batches; in job order when Serial.
    setImmediate(() => processBatch(ctx, batch));
    sendXml(res, 'batchInfo', batchInfo(batch), 201);
  }));

  router.get('/job/:job/batch', handle((req, res) => {
    const job = jobOf(req);
    const infos = job.batches.map((b) => `<batchInfo>${batchInfo(b).filter(([, v]) => v !== undefined).map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('')}</batchInfo>`).join('');
    res.type(XML_TYPE).send(`<?xml version="1.0" encoding="UTF-8"?><batchInfoList xmlns="${ASYNC_NS}">${infos}</batchInfoList>`);
  }));

  router.get('/job/:job/batch/:batch', handle((req, res) => sendXml(res, 'batchInfo', batchInfo(batchOf(req)))));

  router.get('/job/:job/batch/:batch/request', handle((req, res) => {
    const b = batchOf(req);
    res.type(b.job.contentType === 'CSV' || b.job.isQuery ? 'text/csv; charset=UTF-8' : XML_TYPE).send(b.payload);
  }));

  router.get('/job/:job/batch/:batch/result', handle((req, res) => {
    const b = batchOf(req);
    if (b.state !== 'Completed') {
      throw new AsyncApiError(400, 'InvalidBatch', b.state === 'Failed' ? `Batch failed: ${b.stateMessage ?? ''}` : `Batch not completed`);
    }
    if (b.job.isQuery) {
      res.type(XML_TYPE).send(`<?xml version="1.0" encoding="UTF-8"?><result-list xmlns="${ASYNC_NS}"><result>${b.resultId}</result></result-list>`);
      return;
    }
    if (b.job.contentType === 'XML') {
      const results = b.outcomes.map((o) => {
        const errors = rowErrors(o).map((e) => `<errors>${e.fields.map((f) => `<fields>${escapeXml(f)}</fields>`).join('')}<message>${escapeXml(e.message)}</message><statusCode>${e.statusCode}</statusCode></errors>`).join('');
        return `<result>${errors}${o.id ? `<id>${o.id}</id>` : '<id xsi:nil="true"/>'}<success>${o.ok}</success><created>${o.ok && o.created}</created></result>`;
      }).join('');
      res.type(XML_TYPE).send(`<?xml version="1.0" encoding="UTF-8"?><results xmlns="${ASYNC_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${results}</results>`);
      return;
    }
    const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const lines = ['"Id","Success","Created","Error"', ...b.outcomes.map((o) => [q(o.id), q(String(o.ok)), q(String(o.ok && o.created)), q(o.ok ? '' : o.error)].join(','))];
    res.type('text/csv; charset=UTF-8').send(`${lines.join('\n')}\n`);
  }));

  router.get('/job/:job/batch/:batch/result/:result', handle((req, res) => {
    const b = batchOf(req);
    if (!b.job.isQuery || b.state !== 'Completed' || (req.params as { result: string }).result.slice(0, 15) !== b.resultId.slice(0, 15)) {
      throw new AsyncApiError(400, 'InvalidBatch', `Invalid result id: ${(req.params as { result: string }).result}`);
    }
    const cursor = b.cursor!;
    if (b.job.contentType === 'XML') {
      res.type(XML_TYPE);
      res.write(`<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="${ASYNC_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`);
      for (let i = 0; i < cursor.size; i++) res.write(xmlRecord(b.job.object, cursor.columns, cursor.values(i)));
      res.end('</queryResult>');
      return;
    }
    if (cursor.size === 0) {
      res.type('text/csv; charset=UTF-8').send('Records not found for this query');
      return;
    }
    const encode = lineEncoder(ctx.org, b.job.object, cursor.columns, dialectFrom('COMMA', 'LF'));
    res.type('text/csv; charset=UTF-8');
    let chunk = `${cursor.columns.map((c) => `"${c}"`).join(',')}\n`;
    for (let i = 0; i < cursor.size; i++) {
      chunk += encode(cursor.values(i));
      if (chunk.length > 1 << 20) {
        res.write(chunk);
        chunk = '';
      }
    }
    res.end(chunk);
  }));

  router.use((_req, res) => {
    sendAsyncError(res, new AsyncApiError(404, 'InvalidUrl', 'The requested resource does not exist'));
  });
  return router;
}

/** One query row as Bulk API 1.0 XML writes it (`<records xsi:type="sObject"><type>…</type><Id>…</Id>…`). */
function xmlRecord(object: string, columns: readonly string[], values: readonly SfValue[]): string {
  let out = `<records xsi:type="sObject"><type>${object}</type>`;
  for (let k = 0; k < columns.length; k++) {
    const name = columns[k];
    const v = values[k];
    out += v === null || v === undefined ? `<${name} xsi:nil="true"/>` : `<${name}>${escapeXml(typeof v === 'string' ? v.replace(/\+0000$/, 'Z') : String(v))}</${name}>`;
  }
  return `${out}</records>`;
}
