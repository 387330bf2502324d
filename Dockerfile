# Production image of the hybridize-bot GitHub App server (`python app.py`). docs/deployment.md has
# the whole recipe (volumes, keys, Redis); in short:
#
#   docker build -t hybridize-bot .
#   docker run -p 8000:8000 -v hybridize-data:/data \
#     -e GITHUB_APP_ID=... -e GITHUB_WEBHOOK_SECRET=... -e GITHUB_PRIVATE_KEY="$(cat app.pem)" \
#     hybridize-bot
#
# Without any GITHUB_* credentials the server starts in setup mode: open http://<host>:8000/ to
# register the App from app.yml in one click (GitHub's App-manifest flow); the credentials land in
# /data with mode 0600. The job queue (SQLite) lives in /data too: mount a volume there so queued
# deliveries survive a restart, one container per volume (the queue refuses a second process).
#
# The server runs as UID 10001, GID 0. A named volume takes /data's ownership from the image; a
# bind-mounted host directory must be writable by that UID (`chown 10001 DIR`) or by group 0
# (`chgrp 0 DIR && chmod g+rwx DIR`). A private key file mounted with mode 0600 is unreadable to
# UID 10001: pass the key as GITHUB_PRIVATE_KEY, use a Docker/Compose secret, or `chown 10001` it.
# tests/test_dockerfile.py runs this file's `pip install` line and CMD (without Docker) and checks
# that /healthz answers; hadolint checks the rest.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/venv/bin:$PATH
RUN python -m venv /venv
WORKDIR /src
# Only what the package needs (pyproject's `readme` must exist for the build); .dockerignore keeps
# .git, venvs and caches out of the context.
COPY pyproject.toml README.md constraints.txt ./
COPY analysis ./analysis
COPY bot ./bot
COPY cli ./cli
# The runtime needs no TensorFlow (the analysis is static); versions come from constraints.txt.
RUN pip install --no-cache-dir -c constraints.txt .

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8000 \
    BOT_DATA_DIR=/data
COPY --from=build /venv /venv
WORKDIR /app
COPY app.py app.yml ./
# /data belongs to the bot's UID and to group 0 (group-writable), so an arbitrary UID run with
# GID 0 (OpenShift-style) can write it as well.
RUN mkdir -p /data && chown 10001:0 /data && chmod 0770 /data
USER 10001:0
VOLUME ["/data"]
EXPOSE 8000

# Honours HOST and PORT (a wildcard HOST is probed on loopback); /healthz answers 503 when a worker
# died or the queue is unavailable, and the probe exits 1 then.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "hybridize_bot.bot.healthcheck"]

CMD ["python", "app.py"]
