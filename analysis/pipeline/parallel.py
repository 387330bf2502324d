"""Analyzing a large repository in several processes: each worker parses and checks its own share.

Rules need the trees of the modules they check, and the facts need every module, so the split is:

1. each worker parses, summarizes and extracts the facts of its share of the files (the bulk of a cold
   run), keeps its trees, and sends the parent a small outcome list (line count or parse failure per
   file, with a cache its content hash and interface digest) and, separately, its facts (plain data,
   one `marshal` blob); with a cache it then writes its share's facts files;
2. the parent forwards every worker the other workers' blobs as they came (no decoding and re-encoding
   on the way: measured on the corpus, the decode-merge-encode round trip cost 1.5 s of wall time
   before any worker could go on);
3. each worker resolves the calls of its own share's functions (`ProjectFacts.resolve_share`) and the
   resolved shares go round the same way; each worker installs them all and computes the graph context
   and the fixpoints (those are global passes, so they are the part every worker repeats);
4. the parent says which of the worker's modules to check; the worker computes their context signatures,
   takes the findings it can from the cache and checks the others with its own trees (parsing another
   module only if a rule asks for it), writes those to the cache, and sends the findings and signatures
   back. The first worker then writes the project snapshot's body (the whole-repository facts it holds)
   and the parent, once it has every signature, the snapshot's head. The parent never decodes the facts
   nor rebuilds the whole-repository facts (on a first cached run of the corpus that was 14 of 45 CPU
   seconds, bench/RESULTS.md).

Workers are forked, so they share the parent's copy of the sources and the loaded rules. Measured on 2
cores: see bench/RESULTS.md ("Parallel analysis").
"""
from __future__ import annotations

import marshal
import multiprocessing
import os
import pickle
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from ..cache import AnalysisCache
    from ..config import Config

# Below this much source, process start-up and the facts transfer cost more than they save.
MIN_PARALLEL_BYTES = 4_000_000
# The same for a caller that lends the run processes it already holds (the App's analysis pool: its
# workers have the analysis imported and warmed up, so a fork costs milliseconds and nothing is
# imported). Measured on the 1.6 MB generated repository of bench/pr_latency.py: see bench/RESULTS.md
# ("Cold pull-request reviews over the pool's workers").
MIN_LENT_BYTES = 1_000_000
ENV_JOBS = "HYBRIDIZE_JOBS"


def jobs_for(total_bytes: int, lent: int | None = None) -> int:
    """How many worker processes to use (1 = analyze in this process).

    `lent`: how many processes' worth of CPU the caller grants this run (the App's pool lends its idle
    workers' share, bot/context.py `ProcessRunner.run(..., wide=True)`); None: decide from the machine,
    as the command line does. HYBRIDIZE_JOBS overrides both."""
    env = os.environ.get(ENV_JOBS)
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            return 1
    if "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return 1  # e.g. inside a multiprocessing.Pool worker: daemonic processes may not have children
    if lent is not None:
        return lent if total_bytes >= MIN_LENT_BYTES else 1
    if total_bytes < MIN_PARALLEL_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def shares_by_size(sizes: Mapping[str, int], jobs: int) -> list[list[str]]:
    """Split paths into `jobs` shares of about equal bytes (largest first, to the lightest share; a share
    may be empty). Also how the App splits a review's suggestions over its pool (bot/pulls/job.py)."""
    shards: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for path in sorted(sizes, key=lambda p: (-sizes[p], p)):
        i = loads.index(min(loads))
        shards[i].append(path)
        loads[i] += sizes[path]
    return shards


def _worker(conn: "Connection", shard: list[str], others: int, python: Mapping[str, bytes],
            names: dict[str, tuple[str, bool]], config: "Config", min_tf: tuple[int, ...] | None,
            cache: "AnalysisCache | None", inherited: Sequence["Connection"] = ()) -> None:
    for end in inherited:
        end.close()
    from ..cache import content_hash
    from ..facts.interface import Interfaces
    from ..facts.project_facts import ProjectFacts
    from ..facts.signature import module_signatures
    from ..project import Project
    from ..source import ParseFailure, parse
    from ..summary import build_summary
    from .checking import check_module, known_rule_codes, make_rules
    from .findings import findings_key, settings_digest
    from .modules import facts_key, guarded_facts, interface_digest
    from .snapshot import save_body

    try:
        if cache is not None:
            cache.reset_stats()  # the parent's counts, copied by fork: this worker reports its own
        # A deferring cache (the App's review, deferred.py): the findings go out first; the cache work
        # (facts and findings files, context signatures, interface digests, the snapshot body) waits
        # for the parent's go, sent once the review is published (`ParallelRun.finish_writes`). Done
        # here, before the findings, it took a third of the parallel review's wall time
        # (bench/RESULTS.md, "parwrite").
        late = cache is not None and cache.defers_snapshot
        summaries = []
        facts: dict[str, dict] = {}
        hashes: dict[str, str] = {}
        # (path, lines, parse failure, content hash, interface digest): the module's snapshot entry with its path.
        outcomes: list[tuple] = []
        for path in shard:
            if cache is not None:
                hashes[path] = content_hash(python[path])
            parsed = parse(path, python[path])
            if isinstance(parsed, ParseFailure):
                found: dict = {"failure": (parsed.reason, parsed.line, parsed.col)}
            else:
                summary = build_summary(parsed, *names[path])
                found = guarded_facts(summary)
            if "failure" in found:
                outcomes.append((path, 0, found["failure"], hashes.get(path), None))
            else:
                summaries.append(summary)
                facts[path] = found
                outcomes.append((path, found["lines"], None, hashes.get(path),
                                 interface_digest(found) if cache is not None and not late else ""))
        conn.send_bytes(b"O" + marshal.dumps(outcomes))
        conn.send_bytes(b"F" + marshal.dumps(facts))

        def put_facts() -> None:
            for path in shard:
                cache.put_facts(facts_key(hashes[path], *names[path]),  # type: ignore[union-attr]
                                facts.get(path) or _failure(outcomes, path))

        if cache is not None and not late:  # while the other workers finish their shares
            put_facts()
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
        repo = project.facts  # build the facts while the parent decides what to check
        to_check, stamp, sign_all = marshal.loads(conn.recv_bytes())
        rules, known = make_rules(), known_rule_codes()
        # With a cache, this worker keys, reads and writes its own modules' findings: the parent needs
        # neither the facts nor the signatures (issue 11: it rebuilt both after the workers).
        interfaces = Interfaces(pf.mods)
        signatures: dict[str, str] = {}
        settings = settings_digest(config, min_tf) if cache is not None else ""
        # Every module of the share when the run writes a snapshot (its head holds all signatures).
        signed = mine if sign_all else to_check

        def sign() -> dict[str, str]:
            return module_signatures(repo, [pf.by_path[p] for p in signed], interfaces)

        if cache is not None and not late:
            signatures = sign()
        out, checked = [], []
        for path in to_check:
            # A late run checks without looking its findings up: their keys need the signatures (a cold
            # run, the only kind that comes here, finds few anyway; the findings are the same).
            key = findings_key(path, hashes[path], signatures[path], settings) if signatures else None
            found = cache.get_findings(key) if key is not None else None  # type: ignore[union-attr]
            if found is None:
                found = check_module(project, project.modules[path], config, rules, known, min_tf)
                checked.append(path)
                if key is not None:
                    cache.put_findings(key, found)  # type: ignore[union-attr]
            out.append((path, found))
        hits = (cache.stats.findings_hits, cache.stats.findings_misses) if cache is not None else (0, 0)
        problem = cache.problem if cache is not None else None  # e.g. an unwritable cache: the parent says so
        conn.send_bytes(b"R" + pickle.dumps((out, parsed_extra, signatures, checked, hits, problem),
                                            protocol=pickle.HIGHEST_PROTOCOL))
        if late:
            # The go; a parent that gave the writes up (its run stopped, or it died) closes the pipe
            # instead, and the end-of-file ends this worker through the handler below.
            if conn.recv_bytes() != GO:
                return  # not the protocol's: write nothing
            put_facts()
            signatures = sign()
            for path, found in out:
                cache.put_findings(findings_key(path, hashes[path], signatures[path], settings), found)  # type: ignore[union-attr]
            digests = {path: interface_digest(facts[path]) for path in mine}
            conn.send_bytes(b"L" + marshal.dumps((signatures, digests, cache.problem)))  # type: ignore[union-attr]
        if stamp is not None:  # the first worker writes the project snapshot's body; the parent its head
            # After the checks: the body then keeps the facts memo of the functions they asked about,
            # which a warm re-check of those modules reads instead of recomputing.
            save_body(cache, stamp, repo, interfaces)  # type: ignore[arg-type]
            conn.send_bytes(b"B")
    except BaseException as exc:  # noqa: BLE001 (report to the parent instead of dying silently)
        try:
            conn.send_bytes(b"E" + f"{type(exc).__name__}: {exc}".encode())
        except OSError:
            pass
    finally:
        conn.close()


def _failure(outcomes: list[tuple], path: str) -> dict:
    return next({"failure": o[2]} for o in outcomes if o[0] == path)


# The parent's word to a late worker (see `_worker`) that the review is out and the writes may start.
GO = b"go"


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


@dataclass
class Collected:
    findings: dict[str, list] = field(default_factory=dict)  # path -> findings, every module asked for
    parsed_extra: list[str] = field(default_factory=list)  # modules parsed on demand by the rules
    signatures: dict[str, str] = field(default_factory=dict)  # with a cache: path -> context signature
    checked: list[str] = field(default_factory=list)  # modules whose rules ran (not from the cache)
    findings_hits: int = 0
    findings_misses: int = 0
    problem: str | None = None  # the first cache problem a worker met (`AnalysisCache.problem`)


class ParallelRun:
    """Drives the workers through the steps above."""

    def __init__(self, python: Mapping[str, bytes], names: dict[str, tuple[str, bool]], config: "Config",
                 min_tf: tuple[int, ...] | None, jobs: int, cache: "AnalysisCache | None" = None) -> None:
        ctx = multiprocessing.get_context("fork")
        sizes = {p: len(python[p]) for p in names}
        self.shards = [s for s in shares_by_size(sizes, jobs) if s]
        self.conns: list[Connection] = []
        self.procs = []
        for shard in self.shards:
            parent, child = ctx.Pipe()
            # The parent's ends of this pipe and the earlier ones, which the fork copies into the worker:
            # it closes them first, so that it sees end-of-file on its own pipe when this process lets
            # go of it (a late worker waits for its go, and must not outlive a parent that died).
            inherited = [*self.conns, parent]
            proc = ctx.Process(target=_worker, args=(child, shard, len(self.shards) - 1, python, names, config, min_tf,
                                                     cache, inherited), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    def exchange_facts(self) -> list[tuple]:
        """Step 1 and 2: every file's outcome (path, lines, parse failure or None, content hash, interface
        digest), after forwarding each worker the others' facts blobs (each a `marshal`ed path -> facts)."""
        outcomes: list[tuple] = []
        blobs: list[bytes] = []
        for conn in self.conns:
            outcomes.extend(marshal.loads(_receive(conn)))
            blobs.append(_receive(conn))
        self._forward(blobs)
        # Each worker resolves the calls of its own functions and the shares go round the same way.
        self._forward([_receive(conn) for conn in self.conns])
        return outcomes

    def _forward(self, blobs: list[bytes]) -> None:
        for i, conn in enumerate(self.conns):
            for j, blob in enumerate(blobs):
                if i != j:
                    conn.send_bytes(blob)

    def start_check(self, wanted: Callable[[str], bool], stamp: str | None = None) -> None:
        """Step 4: tell each worker which of its modules to check (with a cache: to take from the cache or
        check, whichever it can), and the first worker the stamp of the project snapshot body to write
        (None: no snapshot; with one, every worker signs all its modules); `collect` gathers the findings."""
        for i, (conn, shard) in enumerate(zip(self.conns, self.shards)):
            conn.send_bytes(marshal.dumps(([p for p in sorted(shard) if wanted(p)], stamp if i == 0 else None,
                                           stamp is not None)))

    def collect(self) -> "Collected":
        """The workers' answers to `start_check`."""
        out = Collected()
        for conn in self.conns:
            findings, extra, signatures, checked, (hits, misses), problem = pickle.loads(_receive(conn))  # noqa: S301
            out.findings.update(findings)
            out.parsed_extra.extend(extra)
            out.signatures.update(signatures)
            out.checked.extend(checked)
            out.findings_hits += hits
            out.findings_misses += misses
            out.problem = out.problem or problem
        return out

    def wait_body(self) -> None:
        """Until the first worker has written the snapshot body (`start_check` with a stamp)."""
        _receive(self.conns[0])

    def finish_writes(self) -> tuple[dict[str, str], dict[str, str], str | None]:
        """With a deferring cache, after `collect`: let the workers write their cache files, sign their
        modules and (the first) the snapshot body. Returns the context signatures, the interface
        digests (path -> digest) and the first cache problem a worker met."""
        for conn in self.conns:
            conn.send_bytes(GO)
        signatures: dict[str, str] = {}
        digests: dict[str, str] = {}
        problem = None
        for conn in self.conns:
            signed, digested, met = marshal.loads(_receive(conn))
            signatures.update(signed)
            digests.update(digested)
            problem = problem or met
        return signatures, digests, problem

    def close(self, wait: bool = True) -> None:
        """Close the pipes and end the workers; `wait=False` kills them at once (the run was stopped,
        e.g. by its time budget: their work is of no use, and a worker busy parsing would only notice
        the closed pipe when it next sends)."""
        for conn in self.conns:
            conn.close()
        for proc in self.procs:
            if wait:
                proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
            proc.join()
