"""Webhook acknowledgement latency: how fast does the real server answer GitHub's POST /webhook?

    python bench/webhook_latency.py [--requests 1000] [--concurrency 50] [--rounds 3] [--write]

What runs (all on loopback, each in its own process):
- "bot": the real app (bot.server.build_app with real Settings, HMAC check, SQLite queue, 2 workers)
  whose only router handles `pull_request.opened` with a no-op, so the workers' jobs are cheap and
  the number measured is the acknowledgement path (read, verify, parse, route, durable insert, 202);
- "baseline": a trivial aiohttp handler that reads the body and answers 202 (no verification, no
  queue), i.e. the floor set by aiohttp + HTTP on this machine;
- the load generator, a separate process: N signed deliveries (the octokit `pull_request.opened`
  example with an installation, a fresh X-GitHub-Delivery each) at concurrency C over keep-alive
  connections. Latency is measured per request from send to full response.
Rounds alternate bot/baseline; reported numbers are medians over the rounds. `--write` appends the
table to bench/RESULTS.md under "Webhook acknowledgement latency".
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "github" / "webhook-examples" / "pull_request" / "opened.0.json"
SECRET = "bench-secret"
HEADING = "## Webhook acknowledgement latency"


# ----------------------------------------------------------------------------- servers

def serve_bot(port: int) -> None:
    """The real app, configured from the environment, with a no-op pull_request handler."""
    sys.path.insert(0, str(ROOT))
    from aiohttp import web
    from gidgethub import routing

    from hybridize_bot.bot.server import build_app, configure_logging
    from hybridize_bot.bot.settings import Settings

    router = routing.Router()

    @router.register("pull_request", action="opened")
    async def noop(event: Any, gh: Any, ctx: Any) -> None:
        return None

    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    # As bot/server.py's main() runs it (no access log).
    web.run_app(build_app(settings, router=router), host="127.0.0.1", port=port, print=None, access_log=None)


def serve_baseline(port: int) -> None:
    """The floor: read the body, answer 202. No signature check, no parsing, no queue."""
    import logging

    from aiohttp import web

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def webhook(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "queued"}, status=202)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "queue": {"done": 0}})

    app = web.Application(client_max_size=25 * 1024 * 1024)
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


# ----------------------------------------------------------------------------- load generator

def make_deliveries(count: int) -> list[tuple[bytes, dict[str, str]]]:
    data = json.loads(EXAMPLE.read_text())
    data["installation"] = {"id": 77, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc="}
    body = json.dumps(data).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return [
        (body, {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/bench",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature,
        })
        for _ in range(count)
    ]


async def load(url: str, requests: int, concurrency: int, warmup: int, rate: float = 0.0) -> dict[str, Any]:
    import aiohttp

    deliveries = make_deliveries(warmup + requests)  # prepared up front: not timed
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(body: bytes, headers: dict[str, str]) -> tuple[float, int]:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                return time.perf_counter() - started, resp.status

        async def run(batch: list[tuple[bytes, dict[str, str]]]) -> list[tuple[float, int]]:
            if rate:
                return await paced(batch)
            results: list[tuple[float, int]] = []
            todo = iter(batch)

            async def worker() -> None:
                for body, headers in todo:
                    results.append(await send(body, headers))

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return results

        async def paced(batch: list[tuple[bytes, dict[str, str]]]) -> list[tuple[float, int]]:
            """Open loop: one delivery every 1/rate s whatever the answers, as GitHub sends them."""
            loop = asyncio.get_running_loop()
            start, tasks = loop.time(), []
            for i, (body, headers) in enumerate(batch):
                delay = start + i / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(send(body, headers)))
            return list(await asyncio.gather(*tasks))

        await run(deliveries[:warmup])
        started = time.perf_counter()
        results = await run(deliveries[warmup:])
        elapsed = time.perf_counter() - started
    latencies = sorted(latency for latency, _ in results)
    statuses: dict[str, int] = {}
    for _, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "requests": len(results),
        "statuses": statuses,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max_ms": 1000 * latencies[-1],
        "throughput_rps": len(results) / elapsed,
        "body_bytes": len(deliveries[0][0]),
    }


# ----------------------------------------------------------------------------- orchestration

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=2) as resp:
        return json.loads(resp.read())


def start_server(kind: str, port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [sys.executable, __file__, f"serve-{kind}", "--port", str(port)],
        env=env, stdout=log, stderr=log, cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            get_json(f"http://127.0.0.1:{port}/healthz")
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{kind} server did not start; see {log_path}") from None
            time.sleep(0.05)


def run_load(port: int, args: argparse.Namespace) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "load", "--url", f"http://127.0.0.1:{port}/webhook",
         "--requests", str(args.requests), "--concurrency", str(args.concurrency),
         "--warmup", str(args.warmup), "--rate", str(args.rate)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(out.stdout)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc), all its threads together."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_round(kind: str, env: dict[str, str], args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    port = free_port()
    server = start_server(kind, port, env, tmp / f"{kind}.log")
    try:
        cpu_before = cpu_seconds(server.pid)
        result = run_load(port, args)
        if kind == "bot":  # every accepted delivery must really be processed by the workers
            expected = args.requests + args.warmup
            deadline = time.monotonic() + 60
            while (done := get_json(f"http://127.0.0.1:{port}/healthz")["queue"]["done"]) < expected:
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {done}/{expected} jobs processed")
                time.sleep(0.1)
            result["jobs_done"] = done
        # CPU the server used per delivery (warm-up included; for the bot, until every job was done):
        # unlike latency on a shared machine, this hardly depends on what else runs.
        result["cpu_ms"] = 1000 * (cpu_seconds(server.pid) - cpu_before) / (args.requests + args.warmup)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def orchestrate(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    rounds: dict[str, list[dict[str, Any]]] = {"bot": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for n in range(args.rounds):
            env = {
                **os.environ,
                "GITHUB_APP_ID": "1",
                "GITHUB_PRIVATE_KEY": key,
                "GITHUB_WEBHOOK_SECRET": SECRET,
                "GITHUB_API_URL": "http://127.0.0.1:9",  # never called: the handler is a no-op
                "BOT_DATA_DIR": str(tmp / f"data-{n}"),  # fresh queue each round
                "LOG_LEVEL": "INFO",
            }
            for kind in ("bot", "baseline"):
                result = bench_round(kind, env, args, tmp)
                rounds[kind].append(result)
                print(f"round {n + 1} {kind:8s} p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms"
                      f"  {result['throughput_rps']:.0f} req/s  statuses {result['statuses']}", flush=True)
    summary = {kind: _median(results) for kind, results in rounds.items()}
    # Ratios are taken per round (bot and baseline ran back to back) and then the median, which is
    # robust against other load on the machine drifting between rounds.
    ratios = {
        key: statistics.median(b[key] / a[key] for b, a in zip(rounds["bot"], rounds["baseline"]))
        for key in ("p50_ms", "p99_ms", "throughput_rps", "cpu_ms")
    }
    table = _table(summary, ratios, args)
    print()
    print(table)
    if args.write:
        _append_results(table, args)


def _median(results: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("p50_ms", "p99_ms", "max_ms", "throughput_rps", "cpu_ms")
    return {k: statistics.median(r[k] for r in results) for k in keys}


def _table(
    summary: dict[str, dict[str, float]], ratios: dict[str, float], args: argparse.Namespace
) -> str:
    bot, base = summary["bot"], summary["baseline"]
    body_kib = len(json.dumps(json.loads(EXAMPLE.read_text()))) / 1024
    rows = [
        "| server | p50 ack (ms) | p99 ack (ms) | max (ms) | throughput (req/s) | server CPU per delivery (ms) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| bot (verify + validate + route + SQLite insert; workers run each job) | {bot['p50_ms']:.2f} "
        f"| {bot['p99_ms']:.2f} | {bot['max_ms']:.1f} | {bot['throughput_rps']:.0f} | {bot['cpu_ms']:.2f} |",
        f"| baseline (aiohttp, read body, 202) | {base['p50_ms']:.2f} | {base['p99_ms']:.2f} "
        f"| {base['max_ms']:.1f} | {base['throughput_rps']:.0f} | {base['cpu_ms']:.2f} |",
        f"| **ratio bot / baseline** (median of per-round ratios) | **{ratios['p50_ms']:.2f}x** "
        f"| **{ratios['p99_ms']:.2f}x** | | **{ratios['throughput_rps']:.2f}x** | **{ratios['cpu_ms']:.2f}x** |",
    ]
    note = (f"{args.requests} signed `pull_request.opened` deliveries (~{body_kib:.0f} KiB each) per "
            f"round at concurrency {args.concurrency} over loopback, after {args.warmup} warm-up "
            f"requests; median of {args.rounds} alternating rounds. Machine: {platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}; "
            f"1-minute load average {os.getloadavg()[0]:.1f} at the end (the load generator shares "
            f"the CPUs with the server).")
    return "\n".join(rows) + "\n\n" + note


def _append_results(table: str, args: argparse.Namespace) -> None:
    results = ROOT / "bench" / "RESULTS.md"
    command = (f"python bench/webhook_latency.py --requests {args.requests} --rate {args.rate:g} "
               f"--concurrency {args.concurrency} --rounds {args.rounds} --write")
    section = (
        f"\n{HEADING}\n\n"
        "How fast the real server acknowledges a GitHub delivery (HMAC check, JSON parse, routing, "
        "durable SQLite insert, 202), against a trivial aiohttp handler on the same machine in the "
        "same run. The load generator is a separate process; every accepted delivery was then "
        "processed by the workers (no-op handler). GitHub's limit is 10 s.\n\n"
        f"Command: `{command}` ({time.strftime('%Y-%m-%d')})\n\n{table}\n"
    )
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    if HEADING in text:  # replace our own section, keep the others
        start = text.index(HEADING)
        nxt = text.find("\n## ", start + len(HEADING))
        text = text[:start].rstrip("\n") + "\n\n" + section.lstrip("\n") + (text[nxt:] if nxt != -1 else "")
    else:
        text = text.rstrip("\n") + "\n" + section
    results.write_text(text)
    print(f"\nwritten to {results}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="run",
                        choices=["run", "serve-bot", "serve-baseline", "load"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--url")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="deliveries per second, sent open-loop (0: as fast as --concurrency allows)")
    parser.add_argument("--write", action="store_true", help="append/replace our section of bench/RESULTS.md")
    args = parser.parse_args()
    if args.mode == "serve-bot":
        serve_bot(args.port)
    elif args.mode == "serve-baseline":
        serve_baseline(args.port)
    elif args.mode == "load":
        print(json.dumps(asyncio.run(load(args.url, args.requests, args.concurrency, args.warmup, args.rate))))
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
