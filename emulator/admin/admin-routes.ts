// The admin HTTP API under /__emulator (JSON, no auth: it exists for tests and demos). Every endpoint mirrors
// a method of EmulatorAdmin. Errors: 400 {"error": "..."} for bad input, Salesforce-shaped arrays for
// record failures. Never faulted, never API-charged.
//
//   GET    /status                          counters + active faults
//   GET    /counters                        API calls (total, byKind, byFamily, rejected), usage, fault stats,
//                                           live records per object, sessions, mutator, streaming stats
//   POST   /seed            {counts:{Account:1000}, randomSeed?}  (or a flat {Account:1000})
//   POST   /mutate/start    {ratePerSecond, objects?, randomSeed?}   simulated users
//   POST   /mutate/stop     GET /mutate     POST /mutate/step {count}   (synchronous, deterministic)
//   POST   /reset                           empty org, usage, counters, faults, locators (sessions stay)
//   GET|PUT|POST|DELETE /faults             {latencyMs, latencyFraction, errorFraction, errorStatus, errorCount,
//                                            dropFraction, dropCount, cutCount, stallCount, match, requestLimitExceeded, and the drift
//                                            faults dropChangeEvents, dropPollResults (fractions), driftSeed}; DELETE clears
//   PUT    /limits          {dailyApiRequests}
//   POST   /sessions/expire                 every access token becomes invalid (refresh tokens stay)
//   POST   /streaming/drop-clients          POST /streaming/expire-replay {olderThanMs}
//   POST   /streaming/gap {object, changeType, recordIds}   POST /streaming/overflow {object}   (CDC gap events)
//   POST   /records/:type {fields} → 201 {id}    PATCH /records/:type/:id    DELETE /records/:type/:id[?purge=true]
//   POST   /records/:type/:id/undelete      (changes carry origin 'emulator/admin')
//   GET    /records/:type/count → {object, count}   GET /records/:type/:id[?includeDeleted=true] → the record or 404
import express from 'express';
import { SfRecordError, SfRequestError, type ChangeType, type SfRecord } from '../contract.js';
import type { EmulatorAdmin } from './admin.js';

type Body = Record<string, unknown>;

const asNumber = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name} must be a number`);
  return v;
};

const asString = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || v === '') throw new Error(`${name} must be a non-empty string`);
  return v;
};

export function adminRouter(admin: EmulatorAdmin): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '10mb' }));
  const body = (req: express.Request): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {});

  router.get('/status', (_req, res) => {
    res.json({ counters: admin.counters(), faults: admin.getFaults() });
  });
  router.get('/counters', (_req, res) => {
    res.json(admin.counters());
  });

  router.post('/seed', (req, res) => {
    const b = body(req);
    const counts = (b.counts && typeof b.counts === 'object' ? b.counts : b) as Record<string, unknown>;
    const clean: Record<string, number> = {};
    for (const [k, v] of Object.entries(counts)) {
      if (k === 'randomSeed') continue;
      clean[k] = asNumber(v, k);
    }
    const started = Date.now();
    const added = admin.seed(clean, b.randomSeed === undefined ? undefined : asNumber(b.randomSeed, 'randomSeed'));
    res.json({ added, ms: Date.now() - started });
  });

  router.post('/mutate/start', (req, res) => {
    const b = body(req);
    res.json(admin.startMutating({
      ratePerSecond: asNumber(b.ratePerSecond, 'ratePerSecond'),
      objects: Array.isArray(b.objects) ? b.objects.map(String) : undefined,
      randomSeed: b.randomSeed === undefined ? undefined : asNumber(b.randomSeed, 'randomSeed'),
    }));
  });
  router.post('/mutate/stop', (_req, res) => {
    res.json(admin.stopMutating());
  });
  router.post('/mutate/step', (req, res) => {
    res.json({ applied: admin.mutateNow(asNumber(body(req).count, 'count')) });
  });
  router.get('/mutate', (_req, res) => {
    res.json(admin.mutationStatus());
  });

  router.post('/reset', (_req, res) => {
    admin.reset();
    res.json({ reset: true });
  });

  router.get('/faults', (_req, res) => {
    res.json(admin.getFaults());
  });
  const setFaults: express.RequestHandler = (req, res) => {
    res.json(admin.setFaults(body(req)));
  };
  router.put('/faults', setFaults);
  router.post('/faults', setFaults);
  router.delete('/faults', (_req, res) => {
    admin.clearFaults();
    res.json(admin.getFaults());
  });
  router.put('/limits', (req, res) => {
    admin.setDailyApiRequests(asNumber(body(req).dailyApiRequests, 'dailyApiRequests'));
    res.json(admin.counters().usage);
  });

  router.post('/sessions/expire', (_req, res) => {
    res.json({ expired: admin.expireSessions() });
  });
  router.post('/streaming/drop-clients', (_req, res) => {
    res.json({ dropped: admin.dropStreamingClients() });
  });
  router.post('/streaming/expire-replay', (req, res) => {
    const olderThanMs = body(req).olderThanMs === undefined ? 0 : asNumber(body(req).olderThanMs, 'olderThanMs');
    res.json({ expired: admin.expireReplayIds(olderThanMs) });
  });

  router.post('/streaming/gap', (req, res) => {
    const b = body(req);
    const recordIds = Array.isArray(b.recordIds) ? b.recordIds.map(String) : [];
    res.json({ published: admin.injectGap(asString(b.object, 'object'), asString(b.changeType, 'changeType') as ChangeType, recordIds) });
  });
  router.post('/streaming/overflow', (req, res) => {
    res.json({ published: admin.injectOverflow(asString(body(req).object, 'object')) });
  });

  router.get('/records/:type/count', (req, res) => {
    res.json(admin.countRecords(req.params.type));
  });
  router.get('/records/:type/:id', (req, res) => {
    const record = admin.record(req.params.type, req.params.id, req.query.includeDeleted === 'true');
    if (record) res.json(record);
    else res.status(404).json({ error: `no ${req.params.type} record ${req.params.id}` });
  });
  router.post('/records/:type', (req, res) => {
    res.status(201).json({ id: admin.create(req.params.type, body(req) as SfRecord) });
  });
  router.patch('/records/:type/:id', (req, res) => {
    admin.update(req.params.type, req.params.id, body(req) as SfRecord);
    res.status(204).end();
  });
  router.delete('/records/:type/:id', (req, res) => {
    admin.remove(req.params.type, req.params.id);
    if (req.query.purge === 'true') admin.purge(req.params.type, req.params.id);
    res.status(204).end();
  });
  router.post('/records/:type/:id/undelete', (req, res) => {
    admin.undelete(req.params.type, req.params.id);
    res.status(204).end();
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'unknown admin endpoint' });
  });
  router.use(((err, _req, res, _next) => {
    if (err instanceof SfRecordError) {
      res.status(400).json(err.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })));
    } else if (err instanceof SfRequestError) {
      res.status(err.httpStatus).json([{ message: err.message, errorCode: err.errorCode }]);
    } else {
      res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
    }
  }) as express.ErrorRequestHandler);
  return router;
}
