"""In-memory records of what lives on the fake GitHub besides git objects."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1_000_001)


def next_id() -> int:
    """Globally unique ids, like GitHub's database ids (distinct across object kinds)."""
    return next(_ids)


def now_iso(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts if ts is not None else time.time()))


@dataclass
class User:
    login: str
    type: str = "User"            # "User" | "Bot" | "Organization"
    id: int = field(default_factory=next_id)


@dataclass
class Installation:
    id: int
    account: User
    permissions: dict[str, str]
    repository_selection: str = "selected"


@dataclass
class Repo:
    owner: User
    name: str
    default_branch: str
    private: bool
    installation_id: int | None
    id: int = field(default_factory=next_id)
    refs: dict[str, str] = field(default_factory=dict)          # "refs/heads/main" -> commit sha
    permissions: dict[str, str] = field(default_factory=dict)   # login -> admin|write|read|none
    created_at: str = field(default_factory=now_iso)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def branch(self, name: str) -> str | None:
        return self.refs.get(f"refs/heads/{name}")


@dataclass
class Issue:
    repo: Repo
    number: int
    title: str
    body: str | None
    user: User
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    id: int = field(default_factory=next_id)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    closed_at: str | None = None
    pull: PullRequest | None = None


@dataclass
class PullRequest:
    issue: Issue
    head_repo: Repo
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged: bool = False
    id: int = field(default_factory=next_id)

    @property
    def number(self) -> int:
        return self.issue.number

    @property
    def repo(self) -> Repo:
        return self.issue.repo


@dataclass
class IssueComment:
    repo: Repo
    issue_number: int
    body: str
    user: User
    id: int = field(default_factory=next_id)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class ReviewComment:
    repo: Repo
    pull_number: int
    path: str
    body: str
    user: User
    commit_id: str
    line: int | None
    side: str | None
    start_line: int | None = None
    start_side: str | None = None
    position: int | None = None
    diff_hunk: str = ""
    in_reply_to_id: int | None = None
    review_id: int | None = None
    subject_type: str = "line"   # "line" | "file"
    id: int = field(default_factory=next_id)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Review:
    repo: Repo
    pull_number: int
    user: User
    body: str
    state: str          # PENDING | COMMENTED | APPROVED | CHANGES_REQUESTED
    commit_id: str
    comment_ids: list[int] = field(default_factory=list)
    id: int = field(default_factory=next_id)
    submitted_at: str | None = None


@dataclass
class Reaction:
    content: str
    user: User
    id: int = field(default_factory=next_id)
    created_at: str = field(default_factory=now_iso)


@dataclass
class CheckRun:
    repo: Repo
    name: str
    head_sha: str
    status: str = "queued"
    conclusion: str | None = None
    external_id: str | None = None
    details_url: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    output: dict[str, Any] = field(default_factory=lambda: {"title": None, "summary": None, "text": None})
    annotations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    updates: int = 0
    id: int = field(default_factory=next_id)


@dataclass
class CommitStatus:
    repo: Repo
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: User
    id: int = field(default_factory=next_id)
    created_at: str = field(default_factory=now_iso)
