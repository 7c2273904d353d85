# The crawler image: `docker build -t coingecko-crawler .`, or let docker-compose.yml build it.
# Runs the TypeScript sources directly with tsx (no build step), like `npm run crawl`.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a source change doesn't reinstall them. tsx is a runtime dependency;
# typescript, jest and the linters are dev-only and stay out.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# tsconfig.json is read by tsx at run time (decorators of the database entities);
# sql/queries holds the stored queries of `report`.
COPY tsconfig.json crawl.ts ./
COPY src ./src
COPY sql ./sql

# Everything the crawler writes goes under /app/data (DATA_DIR): day files, logs, charts.
# Created here owned by `node`, so a fresh named volume is writable; a bind mount keeps the host
# folder's owner, which must be uid 1000 (the `node` user) or writable by it.
ENV DATA_DIR=/app/data CRAWLER_FIGURES_DIR=/app/data/figures
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data

USER node
# Exec form: SIGTERM reaches node, which stops within seconds (the running job goes back to the queue).
ENTRYPOINT ["node", "--import", "tsx", "crawl.ts"]
CMD ["schedule"]
