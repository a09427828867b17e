// Bulk API 2.0 surface of ferry's org emulator. The core mounts this on the authenticated, API-charged
// `/services/data/v:version/jobs` router, so every path here is relative to `/jobs`.
import express from 'express';
import type { EmulatorContext } from '../contract.js';

export function registerBulk2Routes(router: express.Router, ctx: EmulatorContext): void {
  const notYet: express.RequestHandler = (_req, res) => {
    res.status(501).json([{ errorCode: 'NOT_IMPLEMENTED', message: `Bulk API 2.0 is not ready yet in ferry's emulator (API ${ctx.apiVersion})` }]);
  };
  router.all('/query', notYet);
  router.all('/query/*rest', notYet);
  router.all('/ingest', notYet);
  router.all('/ingest/*rest', notYet);
}
