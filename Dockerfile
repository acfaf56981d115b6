# Bulkport: one image for `bulkport serve` (the default command) and `bulkport worker`.
#   docker build -t bulkport .
#   docker run -p 8080:8080 -v bulkport-data:/data bulkport
#   docker run --rm -v bulkport-data:/data bulkport orgs create my-org --json
# Without BULKPORT_DATABASE_URL it runs on the embedded SQLite database in the /data volume;
# compose.yaml runs the production shape (PostgreSQL, Redis, S3, two workers).

# -- build: the package and its dependencies into a virtual environment ----------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/bulkport
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY bulk ./bulk
COPY client ./client
COPY core ./core
COPY fileformats ./fileformats
COPY query ./query
COPY records ./records
COPY resources ./resources
RUN /opt/bulkport/bin/pip install .

# -- run: the environment alone, as a user without privileges -------------------------------
FROM python:3.11-slim

ENV PATH=/opt/bulkport/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BULKPORT_DATA_DIR=/data

COPY --from=build /opt/bulkport /opt/bulkport
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home bulkport \
    && mkdir -p /data \
    && chown bulkport:bulkport /data
USER bulkport
WORKDIR /data
VOLUME ["/data"]

EXPOSE 8080
# Liveness of `serve` on its default port, with the standard library (no curl in the image).
# A worker serves no HTTP: compose.yaml turns this check off for workers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health/live', timeout=4)"]

ENTRYPOINT ["bulkport"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
