"""JSON renderings of the fake's state, shaped like GitHub's REST responses.

Renderers set the fields a client reads; :func:`openapi.conform` fills the remaining required
fields before a response leaves the server.
"""
from __future__ import annotations

import base64
from collections import Counter
from typing import Any

from .diffs import FileChange
from .gitobjects import Commit, ObjectStore
from .state import (CheckRun, CommitStatus, Installation, Issue, IssueComment, PullRequest,
                    Reaction, Repo, Review, ReviewComment, User, now_iso)

HTML = "https://github.com"


def node_id(kind: str, ident: int | str) -> str:
    return base64.b64encode(f"0:{kind}{ident}".encode()).decode()


class Renderer:
    def __init__(self, api: str, store: ObjectStore) -> None:
        self.api = api
        self.store = store

    # ---------------------------------------------------------------- people, repos, app
    def user(self, u: User) -> dict[str, Any]:
        base = f"{self.api}/users/{u.login}"
        return {
            "login": u.login, "id": u.id, "node_id": node_id("User", u.id), "type": u.type,
            "avatar_url": f"https://avatars.githubusercontent.com/u/{u.id}?v=4", "gravatar_id": "",
            "url": base, "html_url": f"{HTML}/{u.login}", "site_admin": False,
            "followers_url": f"{base}/followers", "following_url": f"{base}/following{{/other_user}}",
            "gists_url": f"{base}/gists{{/gist_id}}", "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{base}/subscriptions", "organizations_url": f"{base}/orgs",
            "repos_url": f"{base}/repos", "events_url": f"{base}/events{{/privacy}}",
            "received_events_url": f"{base}/received_events",
        }

    def repo_url(self, r: Repo) -> str:
        return f"{self.api}/repos/{r.full_name}"

    def repo(self, r: Repo) -> dict[str, Any]:
        url = self.repo_url(r)
        return {
            "id": r.id, "node_id": node_id("Repository", r.id), "name": r.name, "full_name": r.full_name,
            "owner": self.user(r.owner), "private": r.private, "fork": False,
            "visibility": "private" if r.private else "public",
            "html_url": f"{HTML}/{r.full_name}", "url": url, "default_branch": r.default_branch,
            "clone_url": f"{HTML}/{r.full_name}.git", "git_url": f"git://github.com/{r.full_name}.git",
            "ssh_url": f"git@github.com:{r.full_name}.git", "svn_url": f"{HTML}/{r.full_name}",
            "pulls_url": f"{url}/pulls{{/number}}", "issues_url": f"{url}/issues{{/number}}",
            "contents_url": f"{url}/contents/{{+path}}", "trees_url": f"{url}/git/trees{{/sha}}",
            "statuses_url": f"{url}/statuses/{{sha}}", "commits_url": f"{url}/commits{{/sha}}",
            "tarball_url": f"{url}/tarball/{{/ref}}", "archived": False, "disabled": False,
            "created_at": r.created_at, "updated_at": r.created_at, "pushed_at": r.created_at,
            "language": "Python", "size": 0, "topics": [], "has_issues": True,
        }

    def app(self, app_id: int, slug: str, owner: User, permissions: dict[str, str]) -> dict[str, Any]:
        return {
            "id": app_id, "slug": slug, "node_id": node_id("App", app_id), "client_id": f"Iv1.{app_id:016x}",
            "owner": self.user(owner), "name": slug, "description": "", "external_url": f"{HTML}/apps/{slug}",
            "html_url": f"{HTML}/apps/{slug}", "created_at": now_iso(0), "updated_at": now_iso(0),
            "permissions": permissions,
            "events": ["check_run", "check_suite", "issue_comment", "pull_request", "pull_request_review"],
            "installations_count": 1,
        }

    def installation(self, inst: Installation, app_id: int, slug: str) -> dict[str, Any]:
        return {
            "id": inst.id, "account": self.user(inst.account), "app_id": app_id, "app_slug": slug,
            "target_id": inst.account.id, "target_type": inst.account.type,
            "repository_selection": inst.repository_selection, "permissions": inst.permissions,
            "events": ["pull_request", "issue_comment", "check_run"],
            "access_tokens_url": f"{self.api}/app/installations/{inst.id}/access_tokens",
            "repositories_url": f"{self.api}/installation/repositories",
            "html_url": f"{HTML}/settings/installations/{inst.id}",
            "created_at": now_iso(0), "updated_at": now_iso(0), "single_file_name": None,
            "has_multiple_single_files": False, "single_file_paths": [], "suspended_by": None,
            "suspended_at": None,
        }

    # ---------------------------------------------------------------- git data
    def git_person(self, p) -> dict[str, Any]:
        return {"name": p.name, "email": p.email, "date": p.iso()}

    def git_commit(self, r: Repo, c: Commit) -> dict[str, Any]:
        url = f"{self.repo_url(r)}/git/commits/{c.sha}"
        return {
            "sha": c.sha, "node_id": node_id("Commit", c.sha[:12]), "url": url,
            "html_url": f"{HTML}/{r.full_name}/commit/{c.sha}",
            "author": self.git_person(c.author), "committer": self.git_person(c.committer),
            "message": c.message,
            "tree": {"sha": c.tree, "url": f"{self.repo_url(r)}/git/trees/{c.tree}"},
            "parents": [{"sha": p, "url": f"{self.repo_url(r)}/git/commits/{p}",
                         "html_url": f"{HTML}/{r.full_name}/commit/{p}"} for p in c.parents],
            "verification": {"verified": False, "reason": "unsigned", "signature": None,
                             "payload": None, "verified_at": None},
        }

    def commit(self, r: Repo, c: Commit, files: list[FileChange] | None = None) -> dict[str, Any]:
        """The REST "commit" object (``GET /repos/{o}/{r}/commits/{ref}``, compare, branches)."""
        url = f"{self.repo_url(r)}/commits/{c.sha}"
        git = self.git_commit(r, c)
        out: dict[str, Any] = {
            "sha": c.sha, "node_id": git["node_id"], "url": url,
            "html_url": f"{HTML}/{r.full_name}/commit/{c.sha}", "comments_url": f"{url}/comments",
            "commit": {"url": git["url"], "author": git["author"], "committer": git["committer"],
                       "message": c.message, "tree": git["tree"], "comment_count": 0,
                       "verification": git["verification"]},
            "author": None, "committer": None,
            "parents": [{"sha": p, "url": f"{self.repo_url(r)}/commits/{p}",
                         "html_url": f"{HTML}/{r.full_name}/commit/{p}"} for p in c.parents],
        }
        if files is not None:
            adds = sum(f.additions for f in files)
            dels = sum(f.deletions for f in files)
            out["stats"] = {"additions": adds, "deletions": dels, "total": adds + dels}
            out["files"] = [self.file_change(r, c.sha, f) for f in files]
        return out

    def file_change(self, r: Repo, head_sha: str, f: FileChange) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sha": f.sha, "filename": f.filename, "status": f.status, "additions": f.additions,
            "deletions": f.deletions, "changes": f.changes,
            "blob_url": f"{HTML}/{r.full_name}/blob/{head_sha}/{f.filename}",
            "raw_url": f"{HTML}/{r.full_name}/raw/{head_sha}/{f.filename}",
            "contents_url": f"{self.repo_url(r)}/contents/{f.filename}?ref={head_sha}",
        }
        if f.patch is not None:
            out["patch"] = f.patch
        if f.previous_filename:
            out["previous_filename"] = f.previous_filename
        return out

    def ref(self, r: Repo, ref: str, sha: str) -> dict[str, Any]:
        return {"ref": ref, "node_id": node_id("Ref", f"{r.id}:{ref}"),
                "url": f"{self.repo_url(r)}/git/{ref}",
                "object": {"type": "commit", "sha": sha, "url": f"{self.repo_url(r)}/git/commits/{sha}"}}

    def blob(self, r: Repo, sha: str) -> dict[str, Any]:
        data = self.store.blobs[sha]
        b64 = base64.b64encode(data).decode()
        # GitHub wraps base64 content at 60 characters per line.
        wrapped = "\n".join(b64[i:i + 60] for i in range(0, len(b64), 60)) + ("\n" if b64 else "")
        return {"sha": sha, "node_id": node_id("Blob", sha[:12]), "size": len(data),
                "url": f"{self.repo_url(r)}/git/blobs/{sha}", "content": wrapped, "encoding": "base64"}

    # ---------------------------------------------------------------- issues & pulls
    def labels(self, r: Repo, names: list[str]) -> list[dict[str, Any]]:
        return [{"id": abs(hash((r.id, n))) % 10**9, "node_id": node_id("Label", n), "name": n,
                 "url": f"{self.repo_url(r)}/labels/{n}", "color": "ededed", "default": False,
                 "description": None} for n in names]

    def issue(self, i: Issue, comments: int) -> dict[str, Any]:
        url = f"{self.repo_url(i.repo)}/issues/{i.number}"
        out = {
            "id": i.id, "node_id": node_id("Issue", i.id), "url": url, "number": i.number,
            "repository_url": self.repo_url(i.repo), "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments", "events_url": f"{url}/events",
            "html_url": f"{HTML}/{i.repo.full_name}/{'pull' if i.pull else 'issues'}/{i.number}",
            "state": i.state, "title": i.title, "body": i.body, "user": self.user(i.user),
            "labels": self.labels(i.repo, i.labels), "assignee": None, "assignees": [],
            "milestone": None, "locked": False, "comments": comments,
            "created_at": i.created_at, "updated_at": i.updated_at, "closed_at": i.closed_at,
            "author_association": "CONTRIBUTOR",
        }
        if i.pull:
            purl = f"{self.repo_url(i.repo)}/pulls/{i.number}"
            out["pull_request"] = {"url": purl, "html_url": out["html_url"], "diff_url": out["html_url"] + ".diff",
                                   "patch_url": out["html_url"] + ".patch", "merged_at": None}
        return out

    def _branch_side(self, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
        return {"label": f"{repo.owner.login}:{ref}", "ref": ref, "sha": sha,
                "user": self.user(repo.owner), "repo": self.repo(repo)}

    def pull(self, p: PullRequest, files: list[FileChange], commits: int,
             comments: int, review_comments: int) -> dict[str, Any]:
        i = p.issue
        url = f"{self.repo_url(p.repo)}/pulls/{p.number}"
        html = f"{HTML}/{p.repo.full_name}/pull/{p.number}"
        return {
            "url": url, "id": p.id, "node_id": node_id("PullRequest", p.id), "html_url": html,
            "diff_url": html + ".diff", "patch_url": html + ".patch",
            "issue_url": f"{self.repo_url(p.repo)}/issues/{p.number}",
            "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{self.repo_url(p.repo)}/pulls/comments{{/number}}",
            "comments_url": f"{self.repo_url(p.repo)}/issues/{p.number}/comments",
            "statuses_url": f"{self.repo_url(p.repo)}/statuses/{p.head_sha}",
            "number": p.number, "state": i.state, "locked": False, "title": i.title, "body": i.body,
            "user": self.user(i.user), "labels": self.labels(p.repo, i.labels),
            "milestone": None, "active_lock_reason": None,
            "created_at": i.created_at, "updated_at": i.updated_at, "closed_at": i.closed_at,
            "merged_at": None, "merge_commit_sha": None, "assignee": None, "assignees": [],
            "requested_reviewers": [], "requested_teams": [],
            "head": self._branch_side(p.head_repo, p.head_ref, p.head_sha),
            "base": self._branch_side(p.repo, p.base_ref, p.base_sha),
            "_links": {k: {"href": v} for k, v in {
                "self": url, "html": html, "issue": f"{self.repo_url(p.repo)}/issues/{p.number}",
                "comments": f"{self.repo_url(p.repo)}/issues/{p.number}/comments",
                "review_comments": f"{url}/comments", "review_comment": f"{self.repo_url(p.repo)}/pulls/comments{{/number}}",
                "commits": f"{url}/commits", "statuses": f"{self.repo_url(p.repo)}/statuses/{p.head_sha}"}.items()},
            "author_association": "CONTRIBUTOR", "auto_merge": None, "draft": p.draft,
            "merged": p.merged, "mergeable": None, "rebaseable": None, "mergeable_state": "unknown",
            "merged_by": None, "comments": comments, "review_comments": review_comments,
            "maintainer_can_modify": p.maintainer_can_modify, "commits": commits,
            "additions": sum(f.additions for f in files), "deletions": sum(f.deletions for f in files),
            "changed_files": len(files),
        }

    def reactions_summary(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        counts = Counter(r.content for r in reactions)
        out: dict[str, Any] = {"url": url, "total_count": len(reactions)}
        for key in ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"):
            out[key] = counts.get(key, 0)
        return out

    def reaction(self, r: Reaction) -> dict[str, Any]:
        return {"id": r.id, "node_id": node_id("Reaction", r.id), "user": self.user(r.user),
                "content": r.content, "created_at": r.created_at}

    def issue_comment(self, c: IssueComment) -> dict[str, Any]:
        url = f"{self.repo_url(c.repo)}/issues/comments/{c.id}"
        return {
            "id": c.id, "node_id": node_id("IssueComment", c.id), "url": url,
            "html_url": f"{HTML}/{c.repo.full_name}/pull/{c.issue_number}#issuecomment-{c.id}",
            "body": c.body, "user": self.user(c.user), "created_at": c.created_at,
            "updated_at": c.updated_at, "issue_url": f"{self.repo_url(c.repo)}/issues/{c.issue_number}",
            "author_association": "NONE", "reactions": self.reactions_summary(url + "/reactions", c.reactions),
        }

    def review_comment(self, c: ReviewComment) -> dict[str, Any]:
        url = f"{self.repo_url(c.repo)}/pulls/comments/{c.id}"
        purl = f"{self.repo_url(c.repo)}/pulls/{c.pull_number}"
        html = f"{HTML}/{c.repo.full_name}/pull/{c.pull_number}#discussion_r{c.id}"
        out = {
            "id": c.id, "node_id": node_id("PullRequestReviewComment", c.id), "url": url,
            "pull_request_review_id": c.review_id, "diff_hunk": c.diff_hunk, "path": c.path,
            "position": c.position, "original_position": c.position, "commit_id": c.commit_id,
            "original_commit_id": c.commit_id, "user": self.user(c.user), "body": c.body,
            "created_at": c.created_at, "updated_at": c.updated_at, "html_url": html,
            "pull_request_url": purl, "author_association": "NONE",
            "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": purl}},
            "line": c.line, "original_line": c.line, "side": c.side or "RIGHT",
            "start_line": c.start_line, "original_start_line": c.start_line,
            "start_side": c.start_side if c.start_line else None,
            "subject_type": c.subject_type, "reactions": self.reactions_summary(url + "/reactions", c.reactions),
        }
        # File-level comments have no line or position; the schema types them as non-null integers.
        for key in ("position", "original_position", "line", "original_line"):
            if out[key] is None:
                del out[key]
        if c.in_reply_to_id is not None:
            out["in_reply_to_id"] = c.in_reply_to_id
        return out

    def review(self, rv: Review) -> dict[str, Any]:
        purl = f"{self.repo_url(rv.repo)}/pulls/{rv.pull_number}"
        html = f"{HTML}/{rv.repo.full_name}/pull/{rv.pull_number}#pullrequestreview-{rv.id}"
        out = {
            "id": rv.id, "node_id": node_id("PullRequestReview", rv.id), "user": self.user(rv.user),
            "body": rv.body, "state": rv.state, "html_url": html, "pull_request_url": purl,
            "_links": {"html": {"href": html}, "pull_request": {"href": purl}},
            "commit_id": rv.commit_id, "author_association": "NONE",
        }
        if rv.submitted_at:
            out["submitted_at"] = rv.submitted_at
        return out

    # ---------------------------------------------------------------- checks & statuses
    def check_run(self, run: CheckRun, app: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.repo_url(run.repo)}/check-runs/{run.id}"
        return {
            "id": run.id, "node_id": node_id("CheckRun", run.id), "head_sha": run.head_sha,
            "external_id": run.external_id, "url": url,
            "html_url": f"{HTML}/{run.repo.full_name}/runs/{run.id}", "details_url": run.details_url,
            "status": run.status, "conclusion": run.conclusion, "started_at": run.started_at,
            "completed_at": run.completed_at, "name": run.name,
            "output": {**run.output, "annotations_count": len(run.annotations),
                       "annotations_url": f"{url}/annotations"},
            "check_suite": {"id": run.id + 500_000_000}, "app": app, "pull_requests": [],
        }

    def annotation(self, run: CheckRun, a: dict[str, Any]) -> dict[str, Any]:
        return {"path": a["path"], "start_line": a["start_line"], "end_line": a["end_line"],
                "start_column": a.get("start_column"), "end_column": a.get("end_column"),
                "annotation_level": a["annotation_level"], "title": a.get("title"),
                "message": a["message"], "raw_details": a.get("raw_details"),
                "blob_href": f"{HTML}/{run.repo.full_name}/blob/{run.head_sha}/{a['path']}"}

    def status(self, s: CommitStatus) -> dict[str, Any]:
        return {"url": f"{self.repo_url(s.repo)}/statuses/{s.sha}", "id": s.id,
                "node_id": node_id("StatusContext", s.id), "state": s.state,
                "description": s.description, "target_url": s.target_url, "context": s.context,
                "avatar_url": None, "created_at": s.created_at, "updated_at": s.created_at,
                "creator": self.user(s.creator)}
