"""Payloads and look-ups for the follow-up and command end-to-end tests, on top of tests/e2e/harness.py
(the real app on a real port, signed webhooks, the fake GitHub)."""
from __future__ import annotations

import copy
from typing import Any

from tests.fakegithub.state import IssueComment

from .harness import Bot, example
from .project import BASE_FILES, PR_FILES

BRANCH = "hybridize/pr-{}"


def open_pr(fake: Any, files: dict[str, bytes] | None = None, *, base: dict[str, bytes] | None = None,
            repo_name: str = "octo/tiny-tf", user_login: str = "alice") -> Any:
    repo = fake.add_repo(repo_name)
    main = fake.commit(repo, base or BASE_FILES, message="base")
    fake.commit(repo, files or PR_FILES, branch="feature", parent=main, message="feature")
    return fake.open_pull_request(repo, "feature", user_login=user_login)


def set_sender(payload: dict[str, Any], login: str, type_: str = "User") -> dict[str, Any]:
    payload["sender"] = {**payload.get("sender", {}), "login": login, "type": type_}
    return payload


def pr_event(bot: Bot, pr: Any, action: str, *, before: str | None = None, sender: str = "alice",
             sender_type: str = "User") -> dict[str, Any]:
    if action == "closed":
        payload = bot._common(copy.deepcopy(example("pull_request", "closed.3.json")), pr.repo)
        payload["number"] = pr.number
        p = payload["pull_request"]
        p.update({"number": pr.number, "state": "closed", "merged": pr.merged, "draft": pr.draft})
        p["head"].update({"sha": pr.head_sha, "ref": pr.head_ref})
        p["base"].update({"sha": pr.base_sha, "ref": pr.base_ref})
    else:
        payload = bot.pull_request_event(pr, action, before=before)
    head_repo = payload["pull_request"]["head"].setdefault("repo", {}) or {}
    head_repo.update({"full_name": pr.head_repo.full_name, "name": pr.head_repo.name})
    payload["pull_request"]["head"]["repo"] = head_repo
    return set_sender(payload, sender, sender_type)


def add_comment(fake: Any, pr: Any, body: str, login: str, user_type: str = "User") -> IssueComment:
    comment = IssueComment(pr.repo, pr.number, body, fake.user(login, user_type))
    fake.issue_comments[comment.id] = comment
    return comment


def comment_event(bot: Bot, pr: Any, comment: IssueComment, *, on_issue: bool = False) -> dict[str, Any]:
    payload = bot._common(copy.deepcopy(example("issue_comment", "created.0.json")), pr.repo)
    issue = payload["issue"]
    issue.update({"number": pr.number, "state": pr.issue.state, "title": pr.issue.title})
    issue["user"].update({"login": pr.issue.user.login, "type": pr.issue.user.type})
    if on_issue:
        issue.pop("pull_request", None)
    else:
        issue["pull_request"] = {"url": f"{bot.fake.base_url}/repos/{pr.repo.full_name}/pulls/{pr.number}",
                                 "html_url": "", "diff_url": "", "patch_url": "", "merged_at": None}
    c = payload["comment"]
    c.update({"id": comment.id, "body": comment.body})
    c["user"].update({"login": comment.user.login, "type": comment.user.type, "id": comment.user.id})
    return set_sender(payload, comment.user.login, comment.user.type)


def button_event(bot: Bot, pr: Any, run_id: int, sender: str, identifier: str = "hybridize-fix") -> dict[str, Any]:
    payload = bot._common(copy.deepcopy(example("check_run", "requested_action.6.json")), pr.repo)
    payload["requested_action"] = {"identifier": identifier}
    run = payload["check_run"]
    run.update({"id": run_id, "name": "hybridize", "head_sha": pr.head_sha,
                "pull_requests": [{"number": pr.number, "id": pr.id, "url": "",
                                   "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": {}},
                                   "base": {"ref": pr.base_ref, "sha": pr.base_sha, "repo": {}}}]})
    return set_sender(payload, sender)


# ------------------------------------------------------------------ what landed
def followups(fake: Any, pr: Any, state: str | None = "open") -> list[Any]:
    """Pull requests of the base repository whose head is the bot's branch for `pr`."""
    branch = BRANCH.format(pr.number)
    return [i.pull for (rid, _n), i in sorted(fake.issues.items())
            if rid == pr.repo.id and i.pull is not None and i.pull.head_ref == branch
            and (state is None or i.state == state)]


def files_at(fake: Any, sha: str) -> dict[str, bytes]:
    return {p: fake.store.blobs[blob] for p, (_mode, blob) in fake.store.files_at(sha).items()}


def changed_paths(fake: Any, old: str, new: str) -> set[str]:
    a, b = files_at(fake, old), files_at(fake, new)
    return {p for p in set(a) | set(b) if a.get(p) != b.get(p)}


def replies(bot: Bot, pr: Any) -> list[Any]:
    """The bot's answers to commands on `pr` (they carry the reply marker)."""
    return [c for c in bot.issue_comments(pr) if c.user.login == "hybridize-bot[bot]"
            and "<!-- hybridize-bot:reply to=" in c.body]


def reactions(fake: Any, comment: IssueComment) -> list[str]:
    return [r.content for r in fake.issue_comments[comment.id].reactions]
