"""HTTP handlers: POST /webhook, GET /healthz, GET /.

POST /webhook does only what must happen before answering GitHub: check size and signature, parse,
decide whether any handler wants the event, store it durably, answer 202. Everything else runs in
the workers. GitHub expects a 2XX within 10 seconds.
https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import orjson
from aiohttp import web
from gidgethub import routing, sansio

from hybridize_bot.bot.analysis_api import PROJECT_URL
from hybridize_bot.bot import __version__
from hybridize_bot.bot.metrics import BotMetrics
from hybridize_bot.bot.events import invalid_reason, valid_action
from hybridize_bot.bot.queue import JobQueue
from hybridize_bot.bot.routing import handles
from hybridize_bot.bot.settings import Settings
from hybridize_bot.bot.worker import WorkerPool

log = logging.getLogger(__name__)

# GitHub caps webhook payloads at 25 MB and does not deliver bigger ones, so anything larger is not
# from GitHub; refuse it while reading instead of buffering it.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024

DOCS_URL = f"{PROJECT_URL}#readme"  # README: setup and settings

SETTINGS_KEY = web.AppKey("settings", Settings)
QUEUE_KEY = web.AppKey("queue", JobQueue)
WORKERS_KEY = web.AppKey("workers", WorkerPool)
ROUTER_KEY = web.AppKey("router", routing.Router)
METRICS_KEY = web.AppKey("metrics", BotMetrics)


def signature_for(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `body`.

    https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    """
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


# The outcome label of each answer, kept beside the response so the metric needs no re-parse of it.
_OUTCOME = web.ResponseKey("outcome", str)


def _json(http_status: int, /, **fields: Any) -> web.Response:
    response = web.Response(body=orjson.dumps(fields), status=http_status, content_type="application/json")
    if http_status < 300:
        outcome = str(fields.get("status", "ok"))
    else:
        outcome = "unavailable" if http_status >= 500 else "rejected"
    response[_OUTCOME] = outcome
    return response


async def webhook(request: web.Request) -> web.Response:
    response = await _webhook(request)
    event = request.headers.get("X-GitHub-Event", "") or "-"
    request.app[METRICS_KEY].deliveries.labels(event[:64], response[_OUTCOME]).inc()
    return response


async def metrics(request: web.Request) -> web.Response:
    try:
        body, content_type = await request.app[METRICS_KEY].render(request.app[QUEUE_KEY])
    except Exception as exc:
        return _json(503, status="error", error=f"queue unavailable: {type(exc).__name__}")
    # CONTENT_TYPE_LATEST carries a charset parameter, which aiohttp wants apart.
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    event_name = request.headers.get("X-GitHub-Event", "")

    if request.content_length is not None and request.content_length > MAX_PAYLOAD_BYTES:
        log.warning(
            "413: body of %d bytes refused unread (delivery %r, remote %s)",
            request.content_length, delivery_id, request.remote,
        )
        return _json(413, error=f"payload larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        # client_max_size (set to MAX_PAYLOAD_BYTES in build_app) stops chunked bodies while reading.
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        log.warning("413: chunked body too large (delivery %r, remote %s)", delivery_id, request.remote)
        return _json(413, error=f"payload larger than {MAX_PAYLOAD_BYTES} bytes")

    # Our own check: gidgethub's Event.from_http accepts unsigned requests when secret is None.
    signature = request.headers.get("X-Hub-Signature-256")
    if signature is None or not hmac.compare_digest(
        signature.encode("utf-8", "replace"), signature_for(settings.webhook_secret, body).encode()
    ):
        log.warning(
            "401: %s signature (event %r, delivery %r, remote %s)",
            "missing" if signature is None else "wrong", event_name, delivery_id, request.remote,
        )
        return _json(401, error="missing or invalid X-Hub-Signature-256")

    if not event_name or not delivery_id:
        return _json(400, error="missing X-GitHub-Event or X-GitHub-Delivery header")
    action = valid_action(event_name, body)
    if action is not None:
        # The common case, checked straight from the bytes: a valid delivery of an event the App has a
        # model for; routing needs only its action. Anything else takes the path below, which says why.
        if not handles(sansio.Event({"action": action}, event=event_name, delivery_id=delivery_id),
                       request.app[ROUTER_KEY]):
            return _json(202, status="ignored")
        return await _enqueue(request, delivery_id, event_name, action, body)
    try:
        # orjson: the body is parsed on the acknowledgement path, where json.loads of a 22 KiB
        # pull_request payload was the largest CPU cost (bench/RESULTS.md, issue 13).
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        log.warning("400: body is not JSON (delivery %s)", delivery_id)
        return _json(400, error="body is not JSON; set the webhook content type to application/json")
    if not isinstance(data, dict):
        return _json(400, error="body is not a JSON object")

    if event_name == "ping":
        log.info("ping (hook %s, delivery %s): %s", data.get("hook_id"), delivery_id, data.get("zen"))
        return _json(200, status="pong")

    event = sansio.Event(data, event=event_name, delivery_id=delivery_id)
    if not handles(event, request.app[ROUTER_KEY]):
        log.debug("ignored %s.%s (delivery %s)", event_name, data.get("action"), delivery_id)
        return _json(202, status="ignored")
    problem = invalid_reason(event_name, data)
    if problem is not None:
        # Never queued: no handler runs, nothing is written or retried (bot/events.py says why 400).
        log.warning("400: invalid %s.%s delivery %s dropped: %s", event_name, data.get("action"), delivery_id, problem)
        return _json(400, error=f"invalid {event_name} payload: {problem}")
    return await _enqueue(request, delivery_id, event_name, data.get("action"), body)


async def _enqueue(request: web.Request, delivery_id: str, event_name: str, action: object, body: bytes) -> web.Response:
    """Store the delivery durably (committed before the 202: a restart loses no accepted webhook)."""
    try:
        queued = await request.app[QUEUE_KEY].enqueue(delivery_id, event_name, body)
    except Exception:
        # Not acknowledged: GitHub marks the delivery failed and it can be redelivered.
        log.exception("could not store delivery %s", delivery_id)
        return _json(503, error="could not store the event; redeliver later")
    if not queued:
        log.info("duplicate delivery %s (%s) acknowledged, not queued", delivery_id, event_name)
        return _json(202, status="duplicate")
    # DEBUG: one INFO line per delivery cost as much CPU as the rest of the acknowledgement; the worker
    # logs each job it finishes with the delivery id, and /metrics counts deliveries by outcome.
    log.debug("queued %s.%s (delivery %s)", event_name, action, delivery_id)
    return _json(202, status="queued")


async def healthz(request: web.Request) -> web.Response:
    workers = request.app[WORKERS_KEY]
    try:
        counts = await request.app[QUEUE_KEY].counts()
    except Exception as exc:
        return _json(503, status="error", error=f"queue unavailable: {type(exc).__name__}")
    status = workers.status()
    healthy = workers.healthy
    return _json(
        200 if healthy else 503,
        status="ok" if healthy else "degraded",
        version=__version__,
        queue={"depth": counts["queued"], **counts},
        workers=status,
    )


async def index(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    return _json(
        200,
        name=settings.bot_name,
        description="GitHub App that reviews pull requests for tf.function (hybridization) misuse",
        version=__version__,
        webhook="POST /webhook",
        health="GET /healthz",
        docs=DOCS_URL,
    )
