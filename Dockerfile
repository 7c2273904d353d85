# The crawler's image: `docker build -t coingecko-crawler .`, or let docker-compose.yml build it.
# Two stages: `build` compiles crawl.ts and src/ to dist/ with every dependency; the runtime stage holds
# only the production dependencies, dist/ and sql/, and runs as the `node` user.
# Node 24 is the LTS line the project's CI tests (besides 20 and 22).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so a source change doesn't reinstall them. Their install scripts are not needed
# to compile (the only ones are esbuild's and a file watcher's, both for development).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json crawl.ts ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
# The PNG charts ask for DejaVu Sans; the slim image has no fonts at all.
RUN apt-get update \
  && apt-get install -y --no-install-recommends fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# Production dependencies only. --ignore-scripts: no `prepare` (the build is done), and no runtime
# dependency has an install script.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The stored queries of `report` (found from package.json's folder, /app).
COPY sql ./sql

# Everything the crawler writes goes under /app/data (DATA_DIR): day files, logs, charts.
# Created here owned by `node`, so a fresh named volume is writable; a bind mount keeps the host
# folder's owner, which must be uid 1000 (the `node` user) or writable by it.
ENV DATA_DIR=/app/data CRAWLER_FIGURES_DIR=/app/data/figures
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data

USER node
# Exec form: SIGTERM reaches node, which stops within seconds (the running job goes back to the queue).
ENTRYPOINT ["node", "dist/crawl.js"]
CMD ["schedule"]
