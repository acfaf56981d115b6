# Bulkport server image: `docker build -t bulkport .` then
#   docker run -p 8080:8080 -v bulkport-data:/data bulkport
#   docker run --rm -v bulkport-data:/data bulkport orgs create my-org --json
# Without BULKPORT_DATABASE_URL it runs on the embedded SQLite database in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BULKPORT_DATA_DIR=/data

WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY resources ./resources
COPY bulk ./bulk
COPY client ./client
COPY core ./core
COPY query ./query
COPY records ./records
RUN pip install . && rm -rf /src/build /src/*.egg-info

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home bulkport \
    && mkdir -p /data \
    && chown bulkport:bulkport /data
USER bulkport
WORKDIR /data
VOLUME ["/data"]

EXPOSE 8080
ENTRYPOINT ["bulkport"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
