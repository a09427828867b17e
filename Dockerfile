# ferry's image: the worker and the API (the command picks which; the API by default), and the org emulator for
# compose's demo profile. TypeScript runs through tsx; there is no compile step. Three stages:
#   deps     production dependencies, exactly as the lock file pins them, native bindings included
#            (@swc/core for the workflow bundler, @temporalio/core-bridge)
#   bundle   the workflow bundle, built once here rather than at every worker start
#   runtime  node, the dependencies, ferry's source and the bundle, run as the unprivileged `node` user
# test/integration/image.test.ts builds this file system the same way (same commands, same files) and starts
# the worker from it, so a broken install or copy step fails the test suite.
ARG NODE_IMAGE=node:20.19-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM deps AS bundle
COPY tsconfig.json ./
COPY activities ./activities
COPY domain ./domain
COPY infra ./infra
COPY salesforce ./salesforce
COPY store ./store
COPY worker ./worker
COPY workflows ./workflows
RUN mkdir -p dist && node_modules/.bin/tsx worker/bundle-workflows.ts dist/workflows.js

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    FERRY_WORKFLOW_BUNDLE=/app/dist/workflows.js \
    FERRY_WORKER_HEALTH_FILE=/tmp/ferry-worker-alive
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY activities ./activities
COPY api ./api
COPY domain ./domain
COPY emulator ./emulator
COPY infra ./infra
COPY salesforce ./salesforce
COPY store ./store
COPY worker ./worker
COPY workflows ./workflows
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
COPY --from=bundle /app/dist ./dist
USER node
EXPOSE 3000
# The API container is healthy when /ready answers 200; the worker container while its health file is fresh.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# Stop signal SIGTERM: the worker drains (compose's stop_grace_period / the chart's terminationGracePeriodSeconds).
CMD ["node", "--import", "tsx", "api/server.ts"]
