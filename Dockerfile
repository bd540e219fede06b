# ticketflow: the app alone; compose.yaml adds PostgreSQL, EventStoreDB and Ollama.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly, so the dev dependencies are not needed at run time.
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
# Inside a container the port is published from outside: listen on every interface there.
ENV PORT=3000 DATA_DIR=/data HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npm", "start"]
