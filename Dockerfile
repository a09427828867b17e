# ferry worker / API image (the command picks which). TypeScript runs through tsx; no build step.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=optional --no-audit --no-fund && apt-get update -qq && apt-get install -y -qq procps >/dev/null && rm -rf /var/lib/apt/lists/*
COPY . .
USER node
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "api/server.ts"]
