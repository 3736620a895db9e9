# The OpenID Provider as a container image. Build: docker build -t openid-provider .
# Configuration comes from the environment: see .env.example and docs/configuration.md.

# --- build: compile TypeScript with the full dependency tree ---------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN SCARF_ANALYTICS=false npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled server only --------------------------
FROM node:22-bookworm-slim
# NO_COLOR: the CLI's few plain-text lines (the migration step) carry no ANSI colour codes.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    NO_COLOR=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN SCARF_ANALYTICS=false npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
# DATA_DIR (./.data) is only used by the embedded database, when DATABASE_URL is not set.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrations first (the server would also run them at boot, under the same advisory lock), then
# the server as PID 1 through exec, so it receives SIGTERM and shuts down gracefully.
CMD ["sh", "-c", "node dist/src/cli.js migration:run && exec node dist/src/main.js"]
