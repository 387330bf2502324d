"""Log records carry the job they belong to; LOG_FORMAT=json writes one object per line."""
from __future__ import annotations

import asyncio
import io
import json
import logging

from hybridize_bot.bot.logs import bind_job, configure, job_fields


def test_job_fields_from_payloads():
    pull = {"installation": {"id": 9}, "repository": {"full_name": "octo/x"}, "pull_request": {"number": 4}}
    assert job_fields("pull_request", pull, "d-1") == {"delivery": "d-1", "event": "pull_request",
                                                       "installation": 9, "repository": "octo/x", "pull_request": 4}
    comment = {"repository": {"full_name": "octo/x"}, "issue": {"number": 12}}
    assert job_fields("issue_comment", comment, "d-2")["pull_request"] == 12
    run = {"check_run": {"pull_requests": [{"number": 3}]}}
    assert job_fields("check_run", run, "d-3") == {"delivery": "d-3", "event": "check_run", "pull_request": 3}
    assert job_fields("x", ["not", "a", "dict"], "d-4") == {"delivery": "d-4", "event": "x"}


async def test_concurrent_jobs_keep_their_own_fields():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure("INFO", "json", stream)
    log = logging.getLogger("tests.logs")
    both_bound = asyncio.Barrier(2)

    async def job(number: int) -> None:
        with bind_job({"delivery": f"d-{number}", "pull_request": number}):
            await both_bound.wait()  # the two jobs' contexts overlap here
            log.info("job %d", number)

    try:
        await asyncio.gather(job(1), job(2))
        log.info("outside")
    finally:
        root.handlers[:], root.level = saved  # hand the root logger back to pytest as it was
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    by_message = {line["message"]: line for line in lines}
    assert by_message["job 1"]["delivery"] == "d-1" and by_message["job 1"]["pull_request"] == 1
    assert by_message["job 2"]["delivery"] == "d-2" and by_message["job 2"]["pull_request"] == 2
    assert "delivery" not in by_message["outside"] and by_message["outside"]["level"] == "INFO"
