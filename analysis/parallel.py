"""Analyzing a large repository in several processes: each worker parses and checks its own share.

Rules need the trees of the modules they check, and the facts need every module, so the split is:

1. each worker parses, summarizes and extracts the facts of its share of the files (the bulk of a cold
   run), keeps its trees, and sends the facts (plain data) to the parent;
2. the parent sends every module's facts to every worker; each builds the whole-repository facts;
3. the parent says which of the worker's modules to check (all of them, or the cache misses); the
   worker checks them with its own trees (parsing another module only if a rule asks for it) and sends
   the findings back.

Workers are forked, so they share the parent's copy of the sources and the loaded rules. Measured on 2
cores: see bench/RESULTS.md ("Parallel analysis").
"""
from __future__ import annotations

import marshal
import multiprocessing
import os
import pickle
from typing import TYPE_CHECKING, Callable, Mapping

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .config import Config

# Below this much source, process start-up and the facts transfer cost more than they save.
MIN_PARALLEL_BYTES = 4_000_000
ENV_JOBS = "HYBRIDIZE_JOBS"


def jobs_for(total_bytes: int) -> int:
    """How many worker processes to use (1 = analyze in this process)."""
    env = os.environ.get(ENV_JOBS)
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            return 1
    if total_bytes < MIN_PARALLEL_BYTES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if multiprocessing.current_process().daemon:
        return 1  # e.g. inside a multiprocessing.Pool worker: daemonic processes may not have children
    return max(1, min(os.cpu_count() or 1, 4))


def _shards(sizes: Mapping[str, int], jobs: int) -> list[list[str]]:
    """Split paths into `jobs` shares of about equal bytes (largest first, to the lightest share)."""
    shards: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for path in sorted(sizes, key=lambda p: (-sizes[p], p)):
        i = loads.index(min(loads))
        shards[i].append(path)
        loads[i] += sizes[path]
    return shards


def _worker(conn: "Connection", shard: list[str], python: Mapping[str, bytes], names: dict[str, tuple[str, bool]],
            config: "Config", min_tf: tuple[int, ...] | None) -> None:
    from .engine import check_module, known_rule_codes, make_rules
    from .facts.extract import extract_module
    from .project import Project
    from .source import ParseFailure, parse
    from .summary import build_summary

    try:
        summaries = []
        facts: list[tuple[str, dict]] = []
        for path in shard:
            parsed = parse(path, python[path])
            if isinstance(parsed, ParseFailure):
                facts.append((path, {"failure": (parsed.reason, parsed.line, parsed.col)}))
                continue
            summary = build_summary(parsed, *names[path])
            summaries.append(summary)
            facts.append((path, extract_module(summary)))
        conn.send_bytes(b"F" + marshal.dumps(facts))
        all_facts = marshal.loads(conn.recv_bytes())
        parsed_extra: list[str] = []

        def loader(path: str):  # noqa: ANN202
            parsed = parse(path, python[path])
            parsed_extra.append(path)
            return None if isinstance(parsed, ParseFailure) else build_summary(parsed, *names[path])

        project = Project(summaries, module_facts=all_facts, loader=loader)
        project.facts  # noqa: B018 (build the facts while the parent decides what to check)
        to_check = marshal.loads(conn.recv_bytes())
        rules, known = make_rules(), known_rule_codes()
        out = []
        for path in to_check:
            out.append((path, check_module(project, project.modules[path], config, rules, known, min_tf)))
        conn.send_bytes(b"R" + pickle.dumps((out, parsed_extra), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 (report to the parent instead of dying silently)
        try:
            conn.send_bytes(b"E" + f"{type(exc).__name__}: {exc}".encode())
        except OSError:
            pass
    finally:
        conn.close()


class WorkerError(RuntimeError):
    """A worker process failed; the message is its exception."""


def _receive(conn: "Connection") -> bytes:
    try:
        data = conn.recv_bytes()
    except EOFError:
        raise WorkerError("a worker process exited without an answer") from None
    if data[:1] == b"E":
        raise WorkerError(data[1:].decode(errors="replace"))
    return data[1:]


class ParallelRun:
    """Drives the workers through the three steps above."""

    def __init__(self, python: Mapping[str, bytes], names: dict[str, tuple[str, bool]], config: "Config",
                 min_tf: tuple[int, ...] | None, jobs: int) -> None:
        ctx = multiprocessing.get_context("fork")
        sizes = {p: len(python[p]) for p in names}
        self.shards = [s for s in _shards(sizes, jobs) if s]
        self.conns: list[Connection] = []
        self.procs = []
        for shard in self.shards:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, shard, python, names, config, min_tf), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    def facts(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for conn in self.conns:
            data = _receive(conn)
            out.update(marshal.loads(data))
        return out

    def share_facts(self, facts: dict[str, dict]) -> None:
        data = marshal.dumps(facts)
        for conn in self.conns:
            conn.send_bytes(data)

    def check(self, wanted: Callable[[str], bool]) -> tuple[dict[str, list], list[str]]:
        for conn, shard in zip(self.conns, self.shards):
            conn.send_bytes(marshal.dumps([p for p in sorted(shard) if wanted(p)]))
        findings: dict[str, list] = {}
        extra: list[str] = []
        for conn in self.conns:
            result = pickle.loads(_receive(conn))  # noqa: S301 (our own child process)
            for path, items in result[0]:
                findings[path] = items
            extra.extend(result[1])
        return findings, extra

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
