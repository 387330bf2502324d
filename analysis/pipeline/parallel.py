"""Analyzing a large repository in several processes: each worker parses and checks its own share.

Rules need the trees of the modules they check, and the facts need every module, so the split is:

1. each worker parses, summarizes and extracts the facts of its share of the files (the bulk of a cold
   run), keeps its trees, and sends the parent a small outcome list (line count or parse failure per
   file) and, separately, its facts (plain data, one `marshal` blob);
2. the parent forwards every worker the other workers' blobs as they came (no decoding and re-encoding
   on the way: measured on the corpus, the decode-merge-encode round trip cost 1.5 s of wall time
   before any worker could go on);
3. each worker resolves the calls of its own share's functions (`ProjectFacts.resolve_share`) and the
   resolved shares go round the same way; each worker installs them all and computes the graph context
   and the fixpoints (those are global passes, so they are the part every worker repeats);
4. the parent says which of the worker's modules to check (all of them, or the cache misses); the
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

    from ..config import Config

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


def _worker(conn: "Connection", shard: list[str], others: int, python: Mapping[str, bytes],
            names: dict[str, tuple[str, bool]], config: "Config", min_tf: tuple[int, ...] | None) -> None:
    from ..facts.project_facts import ProjectFacts
    from ..project import Project
    from ..source import ParseFailure, parse
    from ..summary import build_summary
    from .checking import check_module, known_rule_codes, make_rules
    from .modules import guarded_facts

    try:
        summaries = []
        facts: dict[str, dict] = {}
        outcomes: list[tuple[str, int, tuple | None]] = []  # (path, lines, parse failure)
        for path in shard:
            parsed = parse(path, python[path])
            if isinstance(parsed, ParseFailure):
                outcomes.append((path, 0, (parsed.reason, parsed.line, parsed.col)))
                continue
            summary = build_summary(parsed, *names[path])
            found = guarded_facts(summary)
            if "failure" in found:
                outcomes.append((path, 0, found["failure"]))
                continue
            summaries.append(summary)
            facts[path] = found
            outcomes.append((path, found["lines"], None))
        conn.send_bytes(b"O" + marshal.dumps(outcomes))
        conn.send_bytes(b"F" + marshal.dumps(facts))
        mine = list(facts)
        for _ in range(others):
            facts.update(marshal.loads(conn.recv_bytes()))
        # Resolve the calls of this share's functions only; the other workers resolve theirs.
        pf = ProjectFacts(facts.values(), defer_edges=True)
        fids = [pf.base[pf.by_path[path]] + i for path in mine for i in range(len(facts[path]["fns"]))]
        share = pf.resolve_share(sorted(fids))
        conn.send_bytes(b"S" + marshal.dumps(share))
        shares = [share] + [marshal.loads(conn.recv_bytes()) for _ in range(others)]
        pf.install_shares(shares)
        pf.finish()
        parsed_extra: list[str] = []

        def loader(path: str):  # noqa: ANN202
            parsed = parse(path, python[path])
            parsed_extra.append(path)
            return None if isinstance(parsed, ParseFailure) else build_summary(parsed, *names[path])

        project = Project(summaries, module_facts=facts, loader=loader)
        project.adopt_facts(pf)
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
    """Drives the workers through the steps above."""

    def __init__(self, python: Mapping[str, bytes], names: dict[str, tuple[str, bool]], config: "Config",
                 min_tf: tuple[int, ...] | None, jobs: int) -> None:
        ctx = multiprocessing.get_context("fork")
        sizes = {p: len(python[p]) for p in names}
        self.shards = [s for s in _shards(sizes, jobs) if s]
        self.conns: list[Connection] = []
        self.procs = []
        for shard in self.shards:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, shard, len(self.shards) - 1, python, names, config, min_tf), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    def exchange_facts(self) -> tuple[list[tuple[str, int, tuple | None]], list[bytes]]:
        """Step 1 and 2: every file's outcome (path, lines, parse failure or None), and the workers' facts
        blobs (each a `marshal`ed path -> facts dict), after forwarding each worker the others' blobs."""
        outcomes: list[tuple[str, int, tuple | None]] = []
        blobs: list[bytes] = []
        for conn in self.conns:
            outcomes.extend(marshal.loads(_receive(conn)))
            blobs.append(_receive(conn))
        self._forward(blobs)
        # Each worker resolves the calls of its own functions and the shares go round the same way.
        self._forward([_receive(conn) for conn in self.conns])
        return outcomes, blobs

    def _forward(self, blobs: list[bytes]) -> None:
        for i, conn in enumerate(self.conns):
            for j, blob in enumerate(blobs):
                if i != j:
                    conn.send_bytes(blob)

    def start_check(self, wanted: Callable[[str], bool]) -> None:
        """Step 4: tell each worker which of its modules to check; `collect` gathers the findings, so the
        parent can do other work (writing the cache) while the workers check."""
        for conn, shard in zip(self.conns, self.shards):
            conn.send_bytes(marshal.dumps([p for p in sorted(shard) if wanted(p)]))

    def collect(self) -> tuple[dict[str, list], list[str]]:
        """The findings per checked path, and the paths the workers parsed on demand."""
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
