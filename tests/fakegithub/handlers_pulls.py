"""Pull requests: pulls, files, reviews and review comments."""
from __future__ import annotations

from typing import Any

from .diffs import FileChange, hunks, position_count
from .routes import ApiError, Ctx, Reply, route
from .server import PR_FILES_CAP
from .state import PullRequest, Review, ReviewComment, now_iso

R = "/repos/{owner}/{repo}"
# Exact texts GitHub answers for review comments outside the diff (observed on github.com).
LINE_NOT_IN_DIFF = "Pull request review thread line must be part of the diff"
START_LINE_NOT_IN_HUNK = "Pull request review thread start line must be part of the same hunk as the line."
PATH_NOT_IN_DIFF = "Path could not be resolved"
POSITION_INVALID = "Line could not be resolved"
ONE_PENDING_REVIEW = "User can only have one pending review per pull request"


def get_pr(ctx: Ctx, number: int | str) -> PullRequest:
    issue = ctx.fake.issues.get((ctx.repo.id, int(number)))
    if issue is None or issue.pull is None:
        raise ApiError(404, "Not Found")
    return issue.pull


def pr_json(ctx: Ctx, pr: PullRequest) -> dict[str, Any]:
    fake = ctx.fake
    files = fake.pr_files(pr)
    base = fake.store.merge_base(pr.base_sha, pr.head_sha)
    commits = len([c for c in fake.store.ancestors(pr.head_sha) if c not in set(fake.store.ancestors(base or ""))])
    comments = sum(1 for c in fake.issue_comments.values() if c.repo is pr.repo and c.issue_number == pr.number)
    review_comments = sum(1 for c in fake.review_comments.values()
                          if c.repo is pr.repo and c.pull_number == pr.number)
    return fake.render.pull(pr, files, commits, comments, review_comments)


@route("GET", R + "/pulls")
async def list_pulls(ctx: Ctx) -> Reply:
    state = ctx.query.get("state", "open")
    pulls = [i.pull for (rid, _), i in sorted(ctx.fake.issues.items())
             if rid == ctx.repo.id and i.pull and (state == "all" or i.state == state)]
    if "head" in ctx.query:
        pulls = [p for p in pulls if f"{p.head_repo.owner.login}:{p.head_ref}" == ctx.query["head"]]
    if "base" in ctx.query:
        pulls = [p for p in pulls if p.base_ref == ctx.query["base"]]
    if ctx.query.get("direction", "desc") == "desc":
        pulls.reverse()
    chunk, headers = ctx.fake.paginate(ctx, pulls)
    return Reply(200, [pr_json(ctx, p) for p in chunk], headers=headers)


@route("GET", R + "/pulls/{pull_number}")
async def get_pull(ctx: Ctx) -> Reply:
    pr = get_pr(ctx, ctx.params["pull_number"])
    accept = ctx.request.headers.get("Accept", "")
    if "diff" in accept or "patch" in accept:
        text = "".join(f"diff --git a/{f.filename} b/{f.filename}\n--- a/{f.filename}\n+++ b/{f.filename}\n{f.patch}\n"
                       for f in ctx.fake.pr_files(pr) if f.patch)
        return Reply(200, raw=text.encode(), content_type="text/plain; charset=utf-8")
    return Reply(200, pr_json(ctx, pr))


@route("POST", R + "/pulls")
async def create_pull(ctx: Ctx) -> Reply:
    fake, repo, body = ctx.fake, ctx.repo, ctx.body
    head = body["head"]
    head_repo = repo
    if ":" in head:
        owner, head = head.split(":", 1)
        head_repo = next((r for r in fake.repos.values() if r.owner.login.lower() == owner.lower()
                          and head in {k[len('refs/heads/'):] for k in r.refs}), None) or repo
    base = body["base"]
    if head_repo.branch(head) is None or repo.branch(base) is None:
        raise ApiError(422, "Validation Failed",
                       [{"resource": "PullRequest", "field": "head" if head_repo.branch(head) is None else "base",
                         "code": "invalid"}])
    for issue in fake.issues.values():
        other = issue.pull
        if (other is not None and issue.state == "open" and issue.repo is repo and other.head_repo is head_repo
                and other.head_ref == head and other.base_ref == base):
            # GitHub allows one open pull request per head and base.
            raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "code": "custom",
                                                       "message": f"A pull request already exists for "
                                                                  f"{head_repo.owner.login}:{head}."}])
    pr = fake.open_pull_request(repo, head, base, title=body.get("title", head), body=body.get("body"),
                                user_login=ctx.actor.login, user_type=ctx.actor.type, draft=body.get("draft", False),
                                head_repo=head_repo, maintainer_can_modify=body.get("maintainer_can_modify", False))
    return Reply(201, pr_json(ctx, pr))


@route("PATCH", R + "/pulls/{pull_number}")
async def update_pull(ctx: Ctx) -> Reply:
    pr = get_pr(ctx, ctx.params["pull_number"])
    issue = pr.issue
    for key in ("title", "body"):
        if key in ctx.body:
            setattr(issue, key, ctx.body[key])
    if "state" in ctx.body:
        issue.state = ctx.body["state"]
        issue.closed_at = now_iso() if issue.state == "closed" else None
    if "base" in ctx.body:
        if ctx.repo.branch(ctx.body["base"]) is None:
            raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "field": "base", "code": "invalid"}])
        pr.base_ref, pr.base_sha = ctx.body["base"], ctx.repo.branch(ctx.body["base"])
    if "maintainer_can_modify" in ctx.body:
        pr.maintainer_can_modify = ctx.body["maintainer_can_modify"]
    issue.updated_at = now_iso()
    return Reply(200, pr_json(ctx, pr))


@route("GET", R + "/pulls/{pull_number}/files")
async def list_files(ctx: Ctx) -> Reply:
    pr = get_pr(ctx, ctx.params["pull_number"])
    files = ctx.fake.pr_files(pr)
    chunk, headers = ctx.fake.paginate(ctx, files, cap=PR_FILES_CAP)
    return Reply(200, [ctx.fake.render.file_change(pr.head_repo, pr.head_sha, f) for f in chunk], headers=headers)


# ------------------------------------------------------------------------- comment anchoring
def _diff_hunk(patch: str, line: int, side: str) -> tuple[str, int]:
    """(hunk text up to the commented line, as GitHub stores it in ``diff_hunk``; its ``position``)."""
    out: list[str] = []
    old = new = 0
    for position, text in enumerate(patch.split("\n")):
        if text.startswith("@@"):
            out = [text]
            h = hunks(text)[0]
            old, new = h.old_start, h.new_start
            continue
        out.append(text)
        if text.startswith("\\"):
            continue
        here = new if side == "RIGHT" and not text.startswith("-") else old if side == "LEFT" and not text.startswith("+") else None
        if here == line:
            return "\n".join(out), position
        if not text.startswith("+"):
            old += 1
        if not text.startswith("-"):
            new += 1
    return "\n".join(out), position


def anchor(files: list[FileChange], c: dict[str, Any]) -> tuple[str, str, int | None]:
    """Check one inline comment's place in the diff; return (side, diff_hunk, position) or raise GitHub's 422."""
    change = next((f for f in files if f.filename == c["path"]), None)
    if change is None:
        raise ApiError(422, "Unprocessable Entity", [PATH_NOT_IN_DIFF])
    if c.get("subject_type") == "file":
        return "RIGHT", "", None
    if c.get("line") is None:
        pos = c.get("position")
        if pos is None or not 1 <= pos <= position_count(change.patch):
            raise ApiError(422, "Unprocessable Entity", [POSITION_INVALID])
        return "RIGHT", "\n".join((change.patch or "").split("\n")[: pos + 1]), pos
    side = c.get("side") or "RIGHT"
    start_side = c.get("start_side") or side
    if side not in ("LEFT", "RIGHT") or start_side not in ("LEFT", "RIGHT"):
        raise ApiError(422, "Unprocessable Entity", [f"side must be LEFT or RIGHT, not {side!r}"])
    file_hunks = hunks(change.patch)
    hunk = next((h for h in file_hunks if h.contains(c["line"], side)), None)
    if hunk is None:
        raise ApiError(422, "Unprocessable Entity", [LINE_NOT_IN_DIFF])
    start = c.get("start_line")
    if start is not None and (start > c["line"] or not hunk.contains(start, start_side)):
        raise ApiError(422, "Unprocessable Entity", [START_LINE_NOT_IN_HUNK])
    return (side, *_diff_hunk(change.patch or "", c["line"], side))


def _comment_from(ctx: Ctx, pr: PullRequest, c: dict[str, Any], commit_id: str,
                  where: tuple[str, str, int | None], review_id: int | None) -> ReviewComment:
    side, diff_hunk, position = where
    subject = c.get("subject_type", "line")
    line = c.get("line") if subject == "line" else None
    return ReviewComment(
        ctx.repo, pr.number, c["path"], c["body"], ctx.actor, commit_id, line,
        side if line is not None else None, c.get("start_line") if line else None,
        (c.get("start_side") or side) if line and c.get("start_line") else None,
        position, diff_hunk, review_id=review_id, subject_type=subject)


def _commit_for(ctx: Ctx, pr: PullRequest, commit_id: str | None) -> str:
    if commit_id is None:
        return pr.head_sha
    if commit_id not in ctx.fake.store.commits:
        raise ApiError(422, "Unprocessable Entity", [f"No commit found for SHA: {commit_id}"])
    return commit_id


# ------------------------------------------------------------------------- reviews
@route("GET", R + "/pulls/{pull_number}/reviews")
async def list_reviews(ctx: Ctx) -> Reply:
    pr = get_pr(ctx, ctx.params["pull_number"])
    reviews = [r for r in ctx.fake.reviews.values() if r.repo is ctx.repo and r.pull_number == pr.number]
    chunk, headers = ctx.fake.paginate(ctx, reviews)
    return Reply(200, [ctx.fake.render.review(r) for r in chunk], headers=headers)


_EVENT_STATE = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}


@route("POST", R + "/pulls/{pull_number}/reviews")
async def create_review(ctx: Ctx) -> Reply:
    fake, body = ctx.fake, ctx.body or {}
    pr = get_pr(ctx, ctx.params["pull_number"])
    commit_id = _commit_for(ctx, pr, body.get("commit_id"))
    event = body.get("event")
    comments = body.get("comments", [])
    if event == "REQUEST_CHANGES" and not body.get("body"):
        raise ApiError(422, "Unprocessable Entity", ["Review body is required for REQUEST_CHANGES"])
    if event == "COMMENT" and not body.get("body") and not comments:
        raise ApiError(422, "Unprocessable Entity", ["Review body is required for COMMENT"])
    if event is None and any(r.state == "PENDING" and r.user is ctx.actor and r.pull_number == pr.number
                             and r.repo is ctx.repo for r in fake.reviews.values()):
        raise ApiError(422, "Unprocessable Entity", [ONE_PENDING_REVIEW])
    files = fake.pr_files(pr, commit_id)
    # Validate every comment first: one bad comment fails the whole review, nothing is stored.
    anchored = [anchor(files, c) for c in comments]
    review = Review(ctx.repo, pr.number, ctx.actor, body.get("body", ""),
                    _EVENT_STATE.get(event, "PENDING"), commit_id,
                    submitted_at=now_iso() if event else None)
    for c, where in zip(comments, anchored):
        rc = _comment_from(ctx, pr, c, commit_id, where, review.id)
        fake.review_comments[rc.id] = rc
        review.comment_ids.append(rc.id)
    fake.reviews[review.id] = review
    return Reply(200, fake.render.review(review))


# ------------------------------------------------------------------------- review comments
@route("GET", R + "/pulls/{pull_number}/comments")
async def list_review_comments(ctx: Ctx) -> Reply:
    pr = get_pr(ctx, ctx.params["pull_number"])
    items = [c for c in ctx.fake.review_comments.values() if c.repo is ctx.repo and c.pull_number == pr.number]
    if "since" in ctx.query:
        items = [c for c in items if c.updated_at >= ctx.query["since"]]
    if ctx.query.get("direction") == "desc":
        items.reverse()
    chunk, headers = ctx.fake.paginate(ctx, items)
    return Reply(200, [ctx.fake.render.review_comment(c) for c in chunk], headers=headers)


@route("POST", R + "/pulls/{pull_number}/comments")
async def create_review_comment(ctx: Ctx) -> Reply:
    fake, body = ctx.fake, ctx.body
    pr = get_pr(ctx, ctx.params["pull_number"])
    if body.get("in_reply_to") is not None:
        parent = fake.review_comments.get(body["in_reply_to"])
        if parent is None or parent.repo is not ctx.repo:
            raise ApiError(404, "Not Found")
        # GitHub ignores everything but ``body`` in a reply and puts it on the parent's thread.
        rc = ReviewComment(ctx.repo, pr.number, parent.path, body["body"], ctx.actor, parent.commit_id,
                           parent.line, parent.side, position=parent.position, diff_hunk=parent.diff_hunk,
                           in_reply_to_id=parent.id)
    else:
        commit_id = _commit_for(ctx, pr, body["commit_id"])
        rc = _comment_from(ctx, pr, body, commit_id, anchor(fake.pr_files(pr, commit_id), body), None)
    # Every single comment comes with its own submitted review, as on GitHub.
    review = Review(ctx.repo, pr.number, ctx.actor, "", "COMMENTED", rc.commit_id, [rc.id], submitted_at=now_iso())
    rc.review_id = review.id
    fake.reviews[review.id] = review
    fake.review_comments[rc.id] = rc
    return Reply(201, fake.render.review_comment(rc))


def _review_comment(ctx: Ctx) -> ReviewComment:
    c = ctx.fake.review_comments.get(int(ctx.params["comment_id"]))
    if c is None or c.repo is not ctx.repo:
        raise ApiError(404, "Not Found")
    return c


@route("GET", R + "/pulls/comments/{comment_id}")
async def get_review_comment(ctx: Ctx) -> Reply:
    return Reply(200, ctx.fake.render.review_comment(_review_comment(ctx)))


@route("PATCH", R + "/pulls/comments/{comment_id}")
async def update_review_comment(ctx: Ctx) -> Reply:
    c = _review_comment(ctx)
    c.body, c.updated_at = ctx.body["body"], now_iso()
    return Reply(200, ctx.fake.render.review_comment(c))


@route("DELETE", R + "/pulls/comments/{comment_id}")
async def delete_review_comment(ctx: Ctx) -> Reply:
    c = _review_comment(ctx)
    del ctx.fake.review_comments[c.id]
    return Reply(204)


