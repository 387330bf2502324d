"""`GET /metrics` in Prometheus' text format (prometheus-client), one registry per app.

- `hybridize_deliveries_total{event,outcome}`: webhook deliveries by what the endpoint answered
  (queued, duplicate, ignored, rejected, unavailable);
- `hybridize_queue_jobs{state}`: jobs per state, read from the queue at each scrape; `failed` are the
  dead letters (jobs kept after failing for good);
- `hybridize_job_duration_seconds{event,outcome}`: worker time per job (done, retry, dead_letter);
- `hybridize_github_requests_total{method,status}`: every answer GitHub gave (retries included);
- `hybridize_github_rate_limit_remaining{installation}`: `x-ratelimit-remaining` of the latest answer
  ("app" for requests made with the App's JWT);
- `hybridize_jobs_deferred_total{reason}`: jobs put back in the queue without running, e.g. until an
  installation's rate-limit window resets (bot/rate_budget.py).

A registry per app (not the library's global one) lets several apps live in one process (tests).
"""
from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .queue import STATES, JobQueue


class BotMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter("hybridize_deliveries", "Webhook deliveries by event and answer",
                                  ["event", "outcome"], registry=self.registry)
        self.queue_jobs = Gauge("hybridize_queue_jobs", "Jobs in the queue by state (failed: dead letters)",
                                ["state"], registry=self.registry)
        self.job_duration = Histogram("hybridize_job_duration_seconds", "Time a worker spent on one job",
                                      ["event", "outcome"], registry=self.registry,
                                      buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300))
        self.github_requests = Counter("hybridize_github_requests", "GitHub API answers by method and status",
                                       ["method", "status"], registry=self.registry)
        self.rate_limit_remaining = Gauge("hybridize_github_rate_limit_remaining",
                                          "x-ratelimit-remaining of the latest GitHub answer",
                                          ["installation"], registry=self.registry)
        self.jobs_deferred = Counter("hybridize_jobs_deferred", "Jobs put back in the queue without running",
                                     ["reason"], registry=self.registry)

    def github_answered(self, method: str, status: int, headers: Mapping[str, str], installation: str) -> None:
        self.github_requests.labels(method, str(status)).inc()
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.isdigit():
            self.rate_limit_remaining.labels(installation).set(int(remaining))

    async def render(self, queue: JobQueue) -> tuple[bytes, str]:
        """The exposition text, with the queue's counts read now."""
        counts = await queue.counts()
        for state in STATES:
            self.queue_jobs.labels(state).set(counts.get(state, 0))
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
