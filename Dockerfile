# syntax=docker/dockerfile:1
# One image per app of the monorepo:
#   docker build --build-arg APP_DIR=gateway -t kelmah/gateway .
#   docker build --build-arg APP_DIR=services/auth -t kelmah/auth .
# Build stage compiles the app and the libs it references (tsc -b follows project references);
# runtime stage holds production dependencies and compiled JavaScript only, runs as a non-root user.

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /repo
ENV TURBO_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false
# The npm the lock file was made with (package.json "packageManager"); node:20 ships npm 10.
RUN npm install -g npm@11.19.1 --no-audit --no-fund
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
ARG APP_DIR
RUN test -n "${APP_DIR}" || { echo 'pass --build-arg APP_DIR=gateway or services/<name>' >&2; exit 1; }
RUN npx tsc -b "${APP_DIR}"
# Apps with a front end (services/web) build it here too (vite build into dist/client).
RUN if [ "${APP_DIR}" = services/web ]; then npm run build:client -w "${APP_DIR}"; fi
# Drop dev dependencies (tap, typescript, eslint…) from what the runtime stage copies.
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG APP_DIR
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
# Workspace packages are symlinks in node_modules/@kelmah → ../../libs/*: keep the same layout.
COPY --from=build /repo/package.json ./
COPY --from=build /repo/node_modules ./node_modules
COPY --from=build /repo/libs ./libs
COPY --from=build /repo/${APP_DIR} ./${APP_DIR}
WORKDIR /app/${APP_DIR}
# The numeric uid of the image's `node` user, so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# PORT comes from the environment (docker-compose.yml, k8s/); liveness answers without dependencies.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The service kit's telemetry module first: it starts the OpenTelemetry SDK (and its ESM loader
# hook) only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and loads nothing otherwise.
CMD ["node", "--import", "@kelmah/service-kit/telemetry", "dist/src/server.js"]
