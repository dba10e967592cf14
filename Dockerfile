# Image of the backend API (AdonisJS 7). Multi-stage:
#   deps      – every dependency of the npm workspace (npm ci), needed to compile
#   build     – `node ace build` in backend/ → backend/build (compiled JS, ace.js, package.json)
#   prod-deps – production dependencies only
#   runtime   – slim Node 24, non-root, the build output + production node_modules
# tests/repo/docker-build.spec.ts runs the build stage's commands and the runtime CMD without Docker.
# No "# syntax=" line: BuildKit's built-in Dockerfile frontend covers every instruction used here,
# so no unpinned frontend image is pulled.
#
# Base image pinned to an exact tag AND its digest (the multi-platform index Docker Hub published for
# that tag): the same Node 24 release the repository uses (package.json devDependency "node"). The
# digest makes the build reproducible even when the tag is re-pushed; Dependabot proposes updates
# (.github/dependabot.yml) and tests/repo/docker-build.spec.ts refuses a FROM without a digest.
ARG NODE_IMAGE=node:24.9.0-bookworm-slim@sha256:62609e66054203c83bc10f262f50d1affd898b7bcf44e0766c530f74432c3a6c

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY backend/package.json backend/package.json
# --ignore-scripts: the base image already has Node, so the "node" devDependency need not install one
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM deps AS build
COPY backend/ backend/
WORKDIR /app/backend
RUN node ace build

FROM deps AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/backend/build ./backend
WORKDIR /app/backend
# the image's own "node" user (uid 1000), never root; the files stay root-owned and read-only to it
USER 1000:1000
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8's allocation-site pretenuring sees a request's objects outlive a young-generation collection
# (they wait on PostgreSQL meanwhile) and allocates them in the old generation, where they die
# and cost full collections: off, the list route needs a third less CPU per request
# (docs/backend.md, Benchmark). Not in NODE_OPTIONS: Node refuses this V8 flag there.
CMD ["node", "--no-allocation-site-pretenuring", "bin/server.js"]
