// GET /openapi.json: the OpenAPI 3 description of every endpoint (api/openapi-document.ts).
import { Router } from 'express';
import { openApiDocument } from '../openapi-document';

export function createOpenApiRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  return router;
}
