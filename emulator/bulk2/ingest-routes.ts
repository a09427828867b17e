// HTTP surface of Bulk API 2.0 ingest jobs: create, upload (PUT batches), close or abort, info, list,
// delete, and the three result files.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type express from 'express';
import { SfRequestError, type EmulatorContext } from '../contract.js';
import { dialectFrom } from './csv-format.js';
import { bodyObject, callerId, handle, jsonBody, pathVersion } from './http.js';
import { IngestJob } from './ingest-job.js';
import { checkIngestJob } from './ingest-target.js';
import { invalidState, type JobRegistry } from './job-common.js';
import { callOptionsClient } from '../rest/sobject-routes.js';

/** Salesforce refuses uploads over 150 MB (100 MB before its base64 step). */
const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;

const DELETABLE = new Set(['UploadComplete', 'JobComplete', 'Aborted', 'Failed']);

async function sendResults(res: express.Response, job: IngestJob, kind: 'successful' | 'failed' | 'unprocessed'): Promise<void> {
  await job.settled();
  const header = job.resultHeader(kind);
  const spool = job[kind];
  res.status(200).setHeader('Content-Type', 'text/csv');
  res.write(header);
  const rows = spool ? await spool.streamRows(0, spool.rows) : undefined;
  if (rows) await pipeline(rows, res);
  else res.end();
}

export function registerIngestRoutes(router: express.Router, ctx: EmulatorContext, jobs: JobRegistry<IngestJob>): void {
  router.post('/ingest', jsonBody, handle((req, res) => {
    const body = bodyObject(req);
    if (body.contentType !== undefined && body.contentType !== 'CSV') {
      throw new SfRequestError(400, 'INVALIDJOB', `InvalidJob : Unsupported content type: ${String(body.contentType)}`);
    }
    const checked = checkIngestJob(ctx, body.object, body.operation, body.externalIdFieldName);
    const dialect = dialectFrom(body.columnDelimiter ?? undefined, body.lineEnding ?? undefined);
    ctx.accounting.charge('bulk2-ingest');
    const job = jobs.add(new IngestJob({
      object: checked.def.name,
      operation: checked.operation,
      externalIdFieldName: checked.externalIdField,
      createdById: callerId(res),
      dialect,
      apiVersion: pathVersion(req, ctx.apiVersion),
      callOptionsClient: callOptionsClient(req),
    }));
    res.status(200).json(job.info(false));
  }));

  router.get('/ingest', handle((_req, res) => {
    res.json({ done: true, records: jobs.all().map((j) => j.info(true)), nextRecordsUrl: null });
  }));

  router.get('/ingest/:id', handle((req, res) => {
    res.json(jobs.get(req.params.id as string).info(true));
  }));

  router.put('/ingest/:id/batches', handle(async (req, res) => {
    const job = jobs.get(req.params.id as string);
    if (job.state !== 'Open') throw new SfRequestError(409, 'INVALIDJOBSTATE', `Job ${job.id} is ${job.state}; data can only be uploaded to an Open job`);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_UPLOAD_BYTES) throw new SfRequestError(413, 'API_ERROR', 'The upload exceeds the 150 MB limit of one Bulk API 2.0 job');
    job.uploads += 1;
    await pipeline(req, createWriteStream(job.uploadPath, { flags: 'a' }));
    res.status(201).end();
  }));

  router.patch('/ingest/:id', jsonBody, handle((req, res) => {
    const job = jobs.get(req.params.id as string);
    const state = bodyObject(req).state;
    if (state === 'UploadComplete') {
      job.close();
      setImmediate(() => void job.process(ctx));
    } else if (state === 'Aborted') {
      job.abort();
      setImmediate(() => void job.process(ctx));
    } else {
      throw new SfRequestError(400, 'INVALIDJOBSTATE', `An ingest job can be set to UploadComplete or Aborted, not ${String(state)}`);
    }
    res.json(job.info(false));
  }));

  router.delete('/ingest/:id', handle(async (req, res) => {
    const job = jobs.get(req.params.id as string);
    if (!DELETABLE.has(job.state)) throw invalidState(`Job ${job.id} is ${job.state}; it cannot be deleted now`);
    jobs.delete(job.id);
    await job.done.catch(() => undefined);
    await job.dispose();
    res.status(204).end();
  }));

  router.get('/ingest/:id/successfulResults', handle((req, res) => {
    const job = jobs.get(req.params.id as string);
    return sendResults(res, job, 'successful');
  }));

  router.get('/ingest/:id/failedResults', handle((req, res) => {
    const job = jobs.get(req.params.id as string);
    return sendResults(res, job, 'failed');
  }));

  router.get('/ingest/:id/unprocessedrecords', handle((req, res) => {
    const job = jobs.get(req.params.id as string);
    return sendResults(res, job, 'unprocessed');
  }));
}
