# ticketflow: the app alone; compose.yaml adds PostgreSQL, EventStoreDB and Ollama.
# The build stage compiles TypeScript once (npm run build): compiling with tsx at every start cost
# 3-4 s and ~70 MiB (docs/benchmarks.md, "Start-up and footprint").
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx stays (a dependency) for the CLI (`npm run cli -- …`); the server runs the compiled build.
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
COPY --from=build /app/dist ./dist
# Inside a container the port is published from outside: listen on every interface there.
ENV PORT=3000 DATA_DIR=/data HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
