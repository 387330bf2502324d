"""A content-addressed git object store with real git object ids.

Blob, tree and commit ids are the SHA-1 of git's canonical object encoding, so a sha the bot gets
from the fake is the sha ``git hash-object`` would compute for the same content.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

MODE_FILE = "100644"
MODE_EXEC = "100755"
MODE_SYMLINK = "120000"
MODE_TREE = "040000"   # git writes "40000" inside tree objects; GitHub's API shows "040000"


@dataclass(frozen=True)
class TreeEntry:
    name: str
    mode: str
    type: str   # "blob" | "tree" | "commit"
    sha: str


@dataclass
class Person:
    name: str = "Alice"
    email: str = "alice@example.com"
    date: int = field(default_factory=lambda: int(time.time()))

    def iso(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.date))


@dataclass
class Commit:
    sha: str
    tree: str
    parents: list[str]
    message: str
    author: Person
    committer: Person


def _hash(kind: str, payload: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(payload)}\0".encode() + payload).hexdigest()


def blob_sha(content: bytes) -> str:
    return _hash("blob", content)


def _tree_sort_key(entry: TreeEntry) -> bytes:
    # git sorts tree entries by name, comparing a subtree's name as if it ended in "/".
    return entry.name.encode() + (b"/" if entry.type == "tree" else b"")


class ObjectStore:
    """All git objects of the fake. Shared by every repository, like a fork network on GitHub."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, list[TreeEntry]] = {}
        self.commits: dict[str, Commit] = {}

    # ------------------------------------------------------------------ writing
    def put_blob(self, content: bytes) -> str:
        sha = blob_sha(content)
        self.blobs[sha] = content
        return sha

    def put_tree(self, entries: list[TreeEntry]) -> str:
        entries = sorted(entries, key=_tree_sort_key)
        payload = b"".join(
            f"{e.mode.lstrip('0')} {e.name}\0".encode() + bytes.fromhex(e.sha) for e in entries
        )
        sha = _hash("tree", payload)
        self.trees[sha] = entries
        return sha

    def put_commit(self, tree: str, parents: list[str], message: str,
                   author: Person | None = None, committer: Person | None = None) -> str:
        author = author or Person()
        committer = committer or author
        lines = [f"tree {tree}", *(f"parent {p}" for p in parents),
                 f"author {author.name} <{author.email}> {author.date} +0000",
                 f"committer {committer.name} <{committer.email}> {committer.date} +0000"]
        payload = ("\n".join(lines) + "\n\n" + message).encode()
        sha = _hash("commit", payload)
        self.commits[sha] = Commit(sha, tree, list(parents), message, author, committer)
        return sha

    # ------------------------------------------------------------------ flat views
    def flatten(self, tree_sha: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """path -> (mode, blob sha) for every file below ``tree_sha``."""
        out: dict[str, tuple[str, str]] = {}
        for e in self.trees[tree_sha]:
            path = prefix + e.name
            if e.type == "tree":
                out.update(self.flatten(e.sha, path + "/"))
            else:
                out[path] = (e.mode, e.sha)
        return out

    def walk(self, tree_sha: str, prefix: str = "") -> list[tuple[str, TreeEntry]]:
        """(path, entry) for every entry, subtrees included, in git's order (recursive listing)."""
        out: list[tuple[str, TreeEntry]] = []
        for e in self.trees[tree_sha]:
            out.append((prefix + e.name, e))
            if e.type == "tree":
                out.extend(self.walk(e.sha, prefix + e.name + "/"))
        return out

    def build_tree(self, files: dict[str, tuple[str, str]]) -> str:
        """Write the nested trees for a flat ``path -> (mode, blob sha)`` map; return the root."""
        here: list[TreeEntry] = []
        subdirs: dict[str, dict[str, tuple[str, str]]] = {}
        for path, (mode, sha) in files.items():
            head, _, rest = path.partition("/")
            if rest:
                subdirs.setdefault(head, {})[rest] = (mode, sha)
            else:
                here.append(TreeEntry(head, mode, "commit" if mode == "160000" else "blob", sha))
        for name, sub in subdirs.items():
            here.append(TreeEntry(name, MODE_TREE, "tree", self.build_tree(sub)))
        return self.put_tree(here)

    def files_at(self, commit_sha: str) -> dict[str, tuple[str, str]]:
        return self.flatten(self.commits[commit_sha].tree)

    # ------------------------------------------------------------------ history
    def ancestors(self, sha: str) -> list[str]:
        """``sha`` and all its ancestors, nearest first (breadth-first)."""
        seen: dict[str, None] = {}
        queue = [sha]
        while queue:
            cur = queue.pop(0)
            if cur in seen or cur not in self.commits:
                continue
            seen[cur] = None
            queue.extend(self.commits[cur].parents)
        return list(seen)

    def is_ancestor(self, old: str, new: str) -> bool:
        return old in self.ancestors(new)

    def merge_base(self, a: str, b: str) -> str | None:
        in_a = set(self.ancestors(a))
        return next((c for c in self.ancestors(b) if c in in_a), None)

    def resolve_prefix(self, prefix: str) -> str | None:
        """A full commit sha for an unambiguous prefix of at least 7 hex digits."""
        if len(prefix) == 40 and prefix in self.commits:
            return prefix
        if len(prefix) < 7:
            return None
        hits = [s for s in self.commits if s.startswith(prefix)]
        return hits[0] if len(hits) == 1 else None
