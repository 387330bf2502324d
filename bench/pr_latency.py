"""Webhook to completed check run: how long a pull request waits for its review.

Generates a ~50,000-line repository of TensorFlow modules (Keras layers, tf.function training
steps, tf.data pipelines, a few real misuses), opens a 20-file pull request against the fake GitHub
on loopback, and times POST /webhook -> `hybridize` check run completed, for

  cold: a fresh bot (empty blob and analysis caches), first push; the analysis processes start with
        the App (bot/context.py ProcessRunner.start), so the push is sent once they are up, as a pull
        request arriving at a running App finds them;
  warm: the same bot, a second push changing the same 20 files (cache has every other blob).

Baseline measured in the same run: `analyze_sources` of the same head files in this process (the
work the bot cannot avoid); the ratio shows what webhook, queue, GitHub reads and publishing add.

Each run's cold check-run output (title, summary, text, annotations) is hashed; the runs of one
command must agree, and the digest is printed, so that two code versions can be shown to publish the
same bytes (bench/baseline_ref.py runs this file on another checkout's code).

    python bench/pr_latency.py [--runs 5] [--files 460] [--changed 20] [--workers 1] [--all-features] [--write]
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hybridize_bot.analysis import analyze_sources  # noqa: E402
from hybridize_bot.bot.webhook import WORKERS_KEY  # noqa: E402
from tests.e2e.harness import start_bot, stop_bot  # noqa: E402

MODULE_TEMPLATE = '''"""Model component {i}: layers, a training step and an input pipeline."""
import math

import numpy as np
import tensorflow as tf

from pkg{dep_pkg}.mod{dep} import helper_{dep}


def helper_{i}(x, scale=1.0):
    return tf.cast(x, tf.float32) * scale


class Block{i}(tf.keras.layers.Layer):
    def __init__(self, units={units}, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dropout_rate = dropout
        self.dense_a = tf.keras.layers.Dense(units, activation="relu")
        self.dense_b = tf.keras.layers.Dense(units)
        self.norm = tf.keras.layers.LayerNormalization()
        self.drop = tf.keras.layers.Dropout(dropout)

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(self.units,), initializer="ones")
        super().build(input_shape)

    def call(self, inputs, training=False):
        h = self.dense_a(inputs)
        h = self.drop(h, training=training)
        h = self.dense_b(h)
        return self.norm(h * self.gamma + helper_{dep}(inputs[..., : self.units]))

    def get_config(self):
        config = super().get_config()
        config.update({{"units": self.units, "dropout": self.dropout_rate}})
        return config


def make_model_{i}(depth=3, units={units}):
    inputs = tf.keras.Input(shape=(units,))
    x = inputs
    for _ in range(depth):
        x = Block{i}(units)(x)
    outputs = tf.keras.layers.Dense(10)(x)
    return tf.keras.Model(inputs, outputs)


loss_object_{i} = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer_{i} = tf.keras.optimizers.Adam(1e-3)


@tf.function
def train_step_{i}(model, images, labels):
    with tf.GradientTape() as tape:
        predictions = model(images, training=True)
        loss = loss_object_{i}(labels, predictions)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer_{i}.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


@tf.function
def eval_step_{i}(model, images, labels):
    predictions = model(images, training=False)
    return tf.reduce_mean(tf.cast(tf.equal(tf.argmax(predictions, -1), labels), tf.float32))


def normalize_{i}(image, label):
    image = tf.cast(image, tf.float32) / 255.0
    return image, label


def augment_{i}(image, label):
    image = tf.image.random_flip_left_right(image)
    image = tf.image.random_brightness(image, 0.1)
    return image, label


def input_pipeline_{i}(images, labels, batch_size=64, training=True):
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    ds = ds.map(normalize_{i}, num_parallel_calls=tf.data.AUTOTUNE)
    if training:
        ds = ds.shuffle(10_000).map(augment_{i}, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def cosine_schedule_{i}(step, total_steps, base_lr=1e-3):
    progress = min(step / max(total_steps, 1), 1.0)
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * progress))


def fit_{i}(epochs=2, steps=100):
    model = make_model_{i}()
    images = np.random.rand(1024, {units}).astype("float32")
    labels = np.random.randint(0, 10, size=(1024,))
    history = []
    for epoch in range(epochs):
        for step, (x, y) in enumerate(input_pipeline_{i}(images, labels)):
            if step >= steps:
                break
            loss = train_step_{i}(model, x, y)
            optimizer_{i}.learning_rate = cosine_schedule_{i}(step, steps)
        history.append(float(loss))
    acc = eval_step_{i}(model, images[:256], labels[:256])
    return history, float(acc)
{misuse}
'''

# Real misuse sprinkled through the repository (pre-existing findings).
MISUSE = '''

@tf.function
def debug_step_{i}(x):
    print("tracing debug step", x.shape)
    return x * 2
'''

# What the pull request adds to each of its 20 files (new findings on changed lines).
PR_ADDITION = '''

@tf.function(experimental_relax_shapes=True)
def pr_step_{i}_{rev}(model, x, y):
    print("pr step {rev}", x)
    counter = tf.Variable(0.0)
    loss = loss_object_{i}(y, model(x))
    return loss + counter
'''


def module(i: int, packages: int) -> str:
    dep = max(i - 1, 0)
    return MODULE_TEMPLATE.format(i=i, dep=dep, dep_pkg=dep % packages, units=32 + (i % 4) * 32,
                                  misuse=MISUSE.format(i=i) if i % 7 == 0 else "")


def repository(n_files: int, packages: int = 10) -> dict[str, bytes]:
    files = {"pyproject.toml": b'[project]\nname = "bench"\ndependencies = ["tensorflow>=2.16"]\n'}
    for p in range(packages):
        files[f"pkg{p}/__init__.py"] = b""
    for i in range(n_files):
        files[f"pkg{i % packages}/mod{i}.py"] = module(i, packages).encode()
    return files


def pr_change(base: dict[str, bytes], n_files: int, changed: int, rev: int) -> dict[str, bytes]:
    step = max(n_files // changed, 1)
    out = {}
    for i in range(0, step * changed, step):
        path = next(p for p in base if p.endswith(f"/mod{i}.py"))
        out[path] = base[path] + PR_ADDITION.format(i=i, rev=rev).encode()
    return out


async def wait_completed(bot, head_sha: str, timeout: float = 300.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        runs = [r for r in bot.check_runs(head_sha) if r.status == "completed"]
        if runs:
            if runs[0].conclusion not in ("failure", "neutral", "success"):
                raise RuntimeError(f"check run ended {runs[0].conclusion}: {runs[0].output.get('summary', '')[:300]}")
            return
        await asyncio.sleep(0.005)
    raise TimeoutError("no completed check run")


def review_only_router():
    from gidgethub.routing import Router

    from hybridize_bot.bot.pulls.router import router

    return Router(router)


def output_digest(output: dict, shas: list[str]) -> str:
    """sha256 of a check run's published output (what a reader of the pull request sees), with the
    commit SHAs (full and short), which differ from run to run (the fake's commits carry their time),
    replaced by their place in `shas`."""
    text = json.dumps(output, sort_keys=True)
    for i, sha in enumerate(shas):
        text = text.replace(sha, f"<commit {i}>").replace(sha[:7], f"<commit {i}>")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def one_run(n_files: int, changed: int, base: dict[str, bytes], all_features: bool,
                  workers: int = 1) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        fake, bot = await start_bot(Path(tmp), router=None if all_features else review_only_router(),
                                    ANALYSIS_TIMEOUT="600", LOG_LEVEL="WARNING", WORKERS=str(workers))
        try:
            await bot.runner.app[WORKERS_KEY].runner.ready()
            repo = fake.add_repo("bench/big")
            main = fake.commit(repo, base, message="base")
            first = pr_change(base, n_files, changed, rev=1)
            fake.commit(repo, first, branch="feature", parent=main)
            pr = fake.open_pull_request(repo, "feature")
            started = time.perf_counter()
            sent = await bot.send("pull_request", bot.pull_request_event(pr, "opened"))
            assert sent.status == 202, sent
            await wait_completed(bot, pr.head_sha)
            cold = time.perf_counter() - started
            (cold_run,) = bot.check_runs(pr.head_sha)
            cold_output = output_digest(cold_run.output, [main, pr.head_sha])
            # The same job then opens the follow-up pull request (one pipeline per event).
            await bot.wait_done(sent.delivery, timeout=600)
            cold_done = time.perf_counter() - started
            cold_requests = len(fake.requests)
            cold_blobs = len(fake.requests_to("GET", r"/git/blobs/"))

            second = {p: data + b"\n# second push\n" for p, data in first.items()}
            before = pr.head_sha
            fake.push(repo, "feature", second)
            started = time.perf_counter()
            sent = await bot.send("pull_request", bot.pull_request_event(pr, "synchronize", before=before))
            assert sent.status == 202, sent
            await wait_completed(bot, pr.head_sha)
            warm = time.perf_counter() - started
            await bot.wait_done(sent.delivery, timeout=600)
            warm_done = time.perf_counter() - started
            warm_requests = len(fake.requests) - cold_requests
            warm_blobs = len(fake.requests_to("GET", r"/git/blobs/")) - cold_blobs
            (run,) = [r for r in bot.check_runs(pr.head_sha)]
            head_sources = {p: fake.store.blobs[sha] for p, (_m, sha) in fake.store.files_at(pr.head_sha).items()
                            if p.endswith(".py") or p == "pyproject.toml"}
            assert not fake.violations, fake.violations[:3]
            # The baseline right after the bot's runs, so both see the same machine load.
            bare = min(baseline(head_sources, 2))
            return {"bare": bare, "cold": cold, "warm": warm, "cold_done": cold_done, "warm_done": warm_done, "cold_requests": cold_requests, "warm_requests": warm_requests,
                    "cold_blobs": cold_blobs, "warm_blobs": warm_blobs, "title": run.output["title"], "sources": head_sources,
                    "cold_output": cold_output, "warm_output": output_digest(run.output, [main, before, pr.head_sha])}
        finally:
            await stop_bot(fake, bot)


def baseline(sources: dict[str, bytes], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        analyze_sources(sources)
        times.append(time.perf_counter() - started)
    return times


def write_section(path: Path, heading: str, text: str) -> None:
    """Replace the section under `heading` (up to the next `## `), or append it."""
    existing = path.read_text() if path.exists() else "# Benchmark results\n"
    start = existing.find(heading + "\n")
    if start == -1:
        path.write_text(existing.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")
        return
    end = existing.find("\n## ", start + len(heading))
    rest = existing[end + 1:] if end != -1 else ""
    path.write_text(existing[:start] + text.rstrip("\n") + "\n" + ("\n" + rest if rest else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=460, help="modules in the generated repository")
    parser.add_argument("--changed", type=int, default=20, help="files changed by the pull request")
    parser.add_argument("--workers", type=int, default=1,
                        help="the App's WORKERS (jobs at once, and analysis processes); as deployed: 2")
    parser.add_argument("--all-features", action="store_true",
                        help="also time the app with every feature router (follow-up PRs run in the same job)")
    parser.add_argument("--write", action="store_true", help="add/replace the section in bench/RESULTS.md")
    args = parser.parse_args(argv)

    base = repository(args.files)
    lines = sum(data.count(b"\n") for data in base.values())
    configs = [("bot.pulls.router (review, then follow-up PR, in one job)", False)]
    if args.all_features:
        configs.append(("all features as deployed (bot.routing.router: review + follow-up PRs + ...)", True))
    measured = {label: [asyncio.run(one_run(args.files, args.changed, base, everything, args.workers))
                        for _ in range(args.runs)]
                for label, everything in configs}
    # Every run publishes the same check run (the bench's own check that a faster path changed nothing).
    digests = {}
    for label, runs in measured.items():
        outputs = {(r["cold_output"], r["warm_output"]) for r in runs}
        assert len(outputs) == 1, f"{label}: the runs published different check-run outputs: {sorted(outputs)}"
        (digests[label],) = outputs
    results = measured[configs[0][0]]
    sources = results[-1]["sources"]
    all_runs = [r for runs in measured.values() for r in runs]
    bare = statistics.median(r["bare"] for r in all_runs)
    report = [
        "## Webhook to completed check run",
        "",
        "How long a pull request waits for its review: signed `pull_request` webhook POSTed to the real "
        "server -> `hybridize` check run completed on the fake GitHub (tests/fakegithub, loopback). "
        "Baseline in the same run: `analyze_sources` of the same head files in process right after each "
        "bot run (best of 2), i.e. the "
        "analysis the bot cannot avoid; the ratio is what webhook, queue, GitHub reads, the worker "
        "process, suggestions and publishing add.",
        "",
        f"Command: `python bench/pr_latency.py --runs {args.runs} --files {args.files} --changed {args.changed}"
        f"{f' --workers {args.workers}' if args.workers != 1 else ''}{' --all-features' if args.all_features else ''} --write` "
        f"({time.strftime('%Y-%m-%d')}; Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs shared with other jobs; WORKERS={args.workers}, analysis in a worker process; median of "
        f"{args.runs} runs, each with a fresh bot and data directory)",
        "",
        f"Repository: {len(base):,} files, {lines:,} lines of generated TensorFlow code; pull request: "
        f"{args.changed} changed files. Check run of the last run: \"{results[-1]['title']}\"; check-run output "
        "digests (equal in every run; cold, warm): " + "; ".join(f"{label.split(' ')[0]} `{c}`, `{w}`"
                                                                  for label, (c, w) in digests.items()) + ".",
        "",
        "| router | push | median (s) | min (s) | max (s) | median ratio to bare analysis of the same run |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, _ in configs:
        for push, key in (("first (cold caches): check run completed", "cold"),
                          ("first: job done (review + follow-up PR)", "cold_done"),
                          ("second (warm cache): check run completed", "warm"),
                          ("second: job done (review + follow-up PR updated)", "warm_done")):
            vals = [r[key] for r in measured[label]]
            ratio = statistics.median(r[key] / r["bare"] for r in measured[label])
            report.append(f"| {label} | {push} | {statistics.median(vals):.2f} | {min(vals):.2f} | "
                          f"{max(vals):.2f} | {ratio:.2f}x |")
    bares = [r["bare"] for r in all_runs]
    report.append(f"| baseline: `analyze_sources` of the same {len(sources):,} files, in process, after each run "
                  f"| – | {bare:.2f} | {min(bares):.2f} | {max(bares):.2f} | 1.00x |")
    report += [
        "",
        f"GitHub requests of the whole job: {results[-1]['cold_requests']} on the first push "
        f"({results[-1]['cold_blobs']} blob downloads), {results[-1]['warm_requests']} on the second push "
        f"({results[-1]['warm_blobs']} blob downloads: only the changed files).",
        "",
    ]
    text = "\n".join(report)
    print(text)
    if args.write:
        write_section(ROOT / "bench" / "RESULTS.md", report[0], text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
