#
# One image for both processes: the API (default CMD) and the worker
# (docker-compose.yml overrides the command with `node dist/worker/main.js`).
#
#   build    : all dependencies + compiled dist/; also the `test` target of the
#              compose test profile (it has the dev dependencies and the sources)
#   prod-deps: node_modules pruned to production dependencies
#   runtime  : slim Node LTS, non-root, only what the service needs
#
# Base images are pinned to an exact version of Node 22 LTS; bump both FROM
# lines together. For production, pin the digest as well (README, "Pin the
# base image"): FROM node:22.23.3-bookworm-slim@sha256:<digest>.
# No `# syntax=` line: the builder's own Dockerfile frontend is enough, so a
# build needs no frontend image from a registry.

FROM node:22.23.3-bookworm-slim AS build
WORKDIR /app
# node-gyp builds against the headers this Node ships in /usr/local/include,
# instead of downloading them, and compiles on every core (JOBS).
ENV npm_config_nodedir=/usr/local \
    JOBS=max
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Install scripts run only for the packages package.json `allowScripts` allows.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 esbuild \
 && node -e "require('better-sqlite3')(':memory:').close()"
COPY . .
RUN npm run build

FROM build AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:22.23.3-bookworm-slim AS runtime
WORKDIR /app
# No NODE_ENV: behaviour is driven only by the documented variables.
# The heap bound is the one npm start uses (docs/operations.md "Memory").
ENV PORT=3000 \
    RULES_DIR=/app/rules \
    DATA_DIR=/app/data \
    NODE_OPTIONS=--max-old-space-size=1024
# Code stays root-owned (read-only for the service); only DATA_DIR is writable.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
# The dashboard's page files are served as they are (no build step).
COPY api/dashboard ./api/dashboard
COPY rules ./rules
RUN mkdir -p /app/data \
 && chown node:node /app/data \
 && node -e "require('better-sqlite3')(':memory:').close()"
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1 (exec form) and handles SIGTERM itself: drain, then exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/api/main.js"]
