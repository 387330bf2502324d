# Production image of the hybridize-bot GitHub App server (`python app.py`).
#
#   docker build -t hybridize-bot .
#   docker run -p 8000:8000 -v hybridize-data:/data \
#     -e GITHUB_APP_ID=... -e GITHUB_WEBHOOK_SECRET=... \
#     -e GITHUB_PRIVATE_KEY_PATH=/run/secrets/app.pem -v $PWD/app.pem:/run/secrets/app.pem:ro \
#     hybridize-bot
#
# The job queue (SQLite) lives in /data: mount a volume there so queued deliveries survive a
# restart. Run one container per volume (the queue refuses a second process on the same data).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user: the server needs no root (it listens on 8000 and writes only /data).
RUN useradd --system --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot:bot /data

WORKDIR /app
# Copy only what the package needs (pyproject's `readme` must exist for the build).
COPY pyproject.toml README.md app.py ./
COPY analysis ./analysis
COPY bot ./bot
# The runtime needs no TensorFlow: the analysis is static. Extras [test]/[runtime] are not installed.
RUN pip install .

USER bot
ENV HOST=0.0.0.0 \
    PORT=8000 \
    BOT_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000

# /healthz answers 503 when a worker died or the queue is unavailable; urlopen raises on it.
# python:3.11-slim has no curl, hence the one-line Python client.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1

CMD ["python", "app.py"]
