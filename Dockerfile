# syntax=docker/dockerfile:1
# Build: docker build -t cartesio .
# Run:   docker run -p 8000:8000 -e CARTESIO_DATABASE_URL=postgresql://user:pass@db:5432/cartesio \
#          -e CARTESIO_JWT_SECRET=... cartesio

# The web client, built from its lock file against the committed API contract.
FROM node:20-slim AS client
WORKDIR /src/client
COPY client/package.json client/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY openapi /src/openapi
COPY client ./
RUN npm run build

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/cartesio
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY migrations ./migrations
RUN /opt/cartesio/bin/pip install --upgrade pip && /opt/cartesio/bin/pip install .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/cartesio/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CARTESIO_ENVIRONMENT=production \
    CARTESIO_VAR_DIR=/var/lib/cartesio \
    CARTESIO_WORKERS=2
RUN useradd --system --uid 10001 --home-dir /var/lib/cartesio --create-home cartesio
COPY --from=build /opt/cartesio /opt/cartesio
COPY --from=client /src/client/dist /opt/cartesio/client
ENV CARTESIO_CLIENT_DIR=/opt/cartesio/client
USER cartesio
WORKDIR /var/lib/cartesio
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# Migrations first (safe from every replica: they queue on a PostgreSQL advisory lock), then the server.
CMD ["sh", "-c", "cartesio db upgrade && exec cartesio serve --host 0.0.0.0 --port 8000 --workers ${CARTESIO_WORKERS}"]
