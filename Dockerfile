# syntax=docker/dockerfile:1
# One image for every voicesync process: the receiver (gunicorn), the Celery workers, beat,
# Flower, the `voicesync` command and the sandbox. docker-compose.yml picks the command.
FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

# The package as a wheel, built from the source in a stage of its own: the image gets the
# installed package, not the source tree.
FROM base AS wheel
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM base AS runtime
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/voicesync voicesync \
 && mkdir -p /app /var/lib/voicesync /var/lib/flower \
 && chown voicesync:voicesync /var/lib/voicesync /var/lib/flower
# Dependencies first, from the lock alone (setup.cfg's dependencies, no test extras, each pinned
# with its hashes: `make lock`), so that a change to the code reuses this layer.
COPY requirements.lock /tmp/deps/
RUN pip install --require-hashes -r /tmp/deps/requirements.lock && rm -rf /tmp/deps
# Then the code, without dependencies: they are all in the layer above.
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels
# gunicorn's and Flower's settings are modules of the package (web.gunicorn_config,
# workers/flower_config.py): the working directory holds nothing of voicesync's.
WORKDIR /app
# Nothing writes here when BROKER_URL and DATABASE_URL are set (the compose stack sets both); it
# is where the embedded Redis and SQLite ledger would go otherwise, and the image user owns it.
ENV VOICESYNC_VAR_DIR=/var/lib/voicesync \
    HOME=/home/voicesync
USER voicesync
EXPOSE 8000 5555
CMD ["voicesync", "--help"]
