// HTTP surface of Bulk API 2.0 query jobs: create, list, info, abort, delete, and paged CSV results.
import { pipeline } from 'node:stream/promises';
import type express from 'express';
import { SfRequestError, type EmulatorContext } from '../contract.js';
import { dialectFrom } from './csv-format.js';
import { bodyObject, callerId, handle, jsonBody, pathVersion } from './http.js';
import { invalidState, JobRegistry } from './job-common.js';
import { checkBulkQuery } from './query-guard.js';
import { QueryJob, type QueryOperation } from './query-job.js';

/** Rows per results page when the client sends no maxRecords. */
export const DEFAULT_PAGE_ROWS = 50_000;

/** Salesforce's locators are the base64 of the next row number (`MTAwMDA` = 10000); they never contain `/`. */
export function encodeLocator(row: number): string {
  return Buffer.from(String(row)).toString('base64').replace(/=+$/, '');
}

export function decodeLocator(locator: string): number {
  const row = Number(Buffer.from(locator, 'base64').toString('utf8'));
  if (!Number.isSafeInteger(row) || row < 0 || encodeLocator(row) !== locator) {
    throw new SfRequestError(400, 'INVALID_QUERY_LOCATOR', `Invalid query locator: ${locator}`);
  }
  return row;
}

function pageSize(raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(n) || n <= 0) {
    throw new SfRequestError(400, 'INVALIDREQUEST', `maxRecords must be a positive integer: ${String(raw)}`);
  }
  return n;
}

const FINAL_STATES = new Set(['JobComplete', 'Failed', 'Aborted']);

export function registerQueryRoutes(router: express.Router, ctx: EmulatorContext, jobs: JobRegistry<QueryJob>, defaultPageRows = DEFAULT_PAGE_ROWS): void {
  router.post('/query', jsonBody, handle((req, res) => {
    const body = bodyObject(req);
    const operation = body.operation ?? 'query';
    if (operation !== 'query' && operation !== 'queryAll') {
      throw new SfRequestError(400, 'INVALIDJOB', `Invalid operation for a query job: ${String(operation)}`);
    }
    const shape = checkBulkQuery(body.query);
    const dialect = dialectFrom(body.columnDelimiter ?? undefined, body.lineEnding ?? undefined);
    ctx.accounting.charge('bulk2-query');
    const job = jobs.add(new QueryJob({
      soql: body.query as string,
      operation: operation as QueryOperation,
      object: shape.object ?? '',
      createdById: callerId(res),
      dialect,
      apiVersion: pathVersion(req, ctx.apiVersion),
    }));
    // Salesforce queues the job; running it on the next turn lets the create response go out first.
    setImmediate(() => void job.run(ctx));
    res.status(200).json(job.info(false));
  }));

  router.get('/query', handle((_req, res) => {
    res.json({ done: true, records: jobs.all().map((j) => j.info(true)), nextRecordsUrl: null });
  }));

  router.get('/query/:id', handle((req, res) => {
    res.json(jobs.get(req.params.id as string).info(true));
  }));

  router.patch('/query/:id', jsonBody, handle((req, res) => {
    const job = jobs.get(req.params.id as string);
    const state = bodyObject(req).state;
    if (state !== 'Aborted') throw new SfRequestError(400, 'INVALIDJOBSTATE', `A query job can only be set to Aborted, not ${String(state)}`);
    job.abort();
    res.json(job.info(false));
  }));

  router.delete('/query/:id', handle(async (req, res) => {
    const job = jobs.get(req.params.id as string);
    if (!FINAL_STATES.has(job.state)) throw invalidState(`Job ${job.id} is ${job.state}; only a finished job can be deleted`);
    jobs.delete(job.id);
    await job.dispose();
    res.status(204).end();
  }));

  router.get('/query/:id/results', handle(async (req, res) => {
    const job = jobs.get(req.params.id as string);
    if (job.state !== 'JobComplete' || !job.spool) throw invalidState(`Job ${job.id} is ${job.state}; results are available once it is JobComplete`);
    const { locator, maxRecords } = req.query;
    const from = typeof locator === 'string' && locator !== '' ? decodeLocator(locator) : 0;
    const to = Math.min(job.spool.rows, from + pageSize(maxRecords, defaultPageRows));
    res.status(200);
    res.setHeader('Content-Type', 'text/csv');
    res.setHeader('Sforce-Locator', to < job.spool.rows ? encodeLocator(to) : 'null');
    res.setHeader('Sforce-NumberOfRecords', String(Math.max(0, to - from)));
    const rows = await job.spool.streamRows(from, to);
    res.write(job.header);
    if (rows) await pipeline(rows, res);
    else res.end();
  }));
}
