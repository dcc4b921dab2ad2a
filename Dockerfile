# One image for all three services; the command picks the service:
#   docker run complaints:local serve intake|resolution|analytics
# docker-compose.yml builds it once and runs it three times.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: install the distribution (no dev extras) into a self-contained venv ---
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/ services/
RUN pip install .

# --- runtime: the venv only, run as an unprivileged user ---
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COMPLAINTS_HOST=0.0.0.0 \
    COMPLAINTS_PORT=8000 \
    COMPLAINTS_DATA_DIR=/data

RUN groupadd --system --gid 10001 complaints \
    && useradd --system --uid 10001 --gid complaints \
        --home-dir /home/complaints --create-home --shell /usr/sbin/nologin complaints \
    && mkdir -p /data \
    && chown complaints:complaints /data

COPY --from=build /opt/venv /opt/venv

USER complaints
WORKDIR /home/complaints

# SQLite files and generated keys when no MongoDB / secrets are configured.
VOLUME ["/data"]
EXPOSE 8000

ENTRYPOINT ["complaints"]
CMD ["serve", "intake"]
