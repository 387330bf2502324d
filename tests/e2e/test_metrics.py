"""`GET /metrics`: Prometheus text with deliveries, queue states, job durations and GitHub answers."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from .followup_harness import open_pr, pr_event


async def _scrape(bot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with bot.session.get(f"{bot.url}/metrics") as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_count_what_happened(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    sent = await bot.send("pull_request", pr_event(bot, pr, "opened"), delivery="dup-1")
    await bot.wait_done(sent.delivery)
    await bot.send("pull_request", pr_event(bot, pr, "opened"), delivery="dup-1")  # a redelivery
    await bot.send("pull_request", pr_event(bot, pr, "opened"), signed=False)
    got = await _scrape(bot)
    assert got[("hybridize_deliveries_total", (("event", "pull_request"), ("outcome", "queued")))] == 2
    assert got[("hybridize_deliveries_total", (("event", "pull_request"), ("outcome", "duplicate")))] == 1
    assert got[("hybridize_deliveries_total", (("event", "pull_request"), ("outcome", "rejected")))] == 1
    assert got[("hybridize_queue_jobs", (("state", "done"),))] == 2
    assert got[("hybridize_queue_jobs", (("state", "failed"),))] == 0
    assert got[("hybridize_job_duration_seconds_count", (("event", "pull_request"), ("outcome", "done")))] == 2
    check_runs_created = len(fake.requests_to("POST", r"/check-runs$"))
    assert check_runs_created == 1  # the second job saw the completed run and skipped
    assert got[("hybridize_github_requests_total", (("method", "POST"), ("status", "201")))] >= check_runs_created
    assert sum(v for (name, labels), v in got.items()
               if name == "hybridize_github_requests_total" and ("status", "200") in labels) > 0


async def test_rate_limit_remaining_is_exposed_per_installation(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    got = await _scrape(bot)
    remaining = got[("hybridize_github_rate_limit_remaining", (("installation", str(pr.repo.installation_id)),))]
    assert 0 < remaining < 5000  # the fake's budget (5,000 an hour) minus what the job spent
