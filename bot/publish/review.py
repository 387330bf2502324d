"""One review per run with the new inline comments; own outdated comments marked resolved."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import gidgethub

from ..errors import http_status
from ..github_api import GitHubAPI
from ..pulls.selection import InlinePlacement, OwnComment
from .render import (FollowupRef, RuleInfo, followup_noted_body, ignored_comment_body, inline_comment_body,
                     resolved_comment_body, review_body)


async def list_review_comments(gh: GitHubAPI, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
    """Every review comment of the PR (all pages; replies included, with `in_reply_to_id`)."""
    return [c async for c in gh.getiter(
        "/repos/{owner}/{repo}/pulls/{pull_number}/comments{?per_page}",
        url_vars={"owner": owner, "repo": repo, "pull_number": str(number), "per_page": "100"})]


def _in_followup(finding: Any, followup: FollowupRef | None) -> int | None:
    return followup.number if followup is not None and finding.fingerprint in followup.fingerprints else None


def review_comment(placement: InlinePlacement, rule_of: Callable[[Any], RuleInfo],
                   followup: FollowupRef | None = None) -> dict[str, Any]:
    """One entry of the review's `comments[]`; lines were validated against the parsed hunks."""
    finding = placement.finding
    suggestion = placement.suggestion.text if placement.suggestion is not None else None
    comment: dict[str, Any] = {
        "path": finding.path,
        "body": inline_comment_body(finding, rule_of(finding), suggestion,
                                    followup=_in_followup(finding, followup)),
        "line": placement.line,
        "side": "RIGHT",
    }
    if placement.start_line is not None and placement.start_line < placement.line:
        comment["start_line"] = placement.start_line
        comment["start_side"] = "RIGHT"
    return comment


async def post_review(gh: GitHubAPI, owner: str, repo: str, number: int, head_sha: str,
                      placements: Sequence[InlinePlacement], not_inline: int,
                      rule_of: Callable[[Any], RuleInfo],
                      followup: FollowupRef | None = None) -> list[InlinePlacement]:
    """POST one review with event COMMENT (without `event` the review stays PENDING and invisible);
    returns the placements GitHub refused.

    GitHub answers 422 ("Line could not be resolved") for the whole review when one comment's line is
    not in the diff it has (e.g. the diff changed while we worked), without saying which; then each
    comment is posted on its own and the refused ones are returned, for the summary to list (issue 17,
    point 3: one refused comment must not cost the review).
    https://docs.github.com/en/rest/pulls/reviews#create-a-review-for-a-pull-request
    """
    if not placements:
        return []
    try:
        await _post_one_review(gh, owner, repo, number, head_sha, placements, not_inline, rule_of, followup)
        return []
    except gidgethub.HTTPException as exc:
        if http_status(exc) != 422:
            raise
        if len(placements) == 1:
            return list(placements)
    refused: list[InlinePlacement] = []
    for placement in placements:
        try:
            await _post_one_review(gh, owner, repo, number, head_sha, [placement], not_inline, rule_of, followup)
        except gidgethub.HTTPException as exc:
            if http_status(exc) != 422:
                raise
            refused.append(placement)
    return refused


async def _post_one_review(gh: GitHubAPI, owner: str, repo: str, number: int, head_sha: str,
                           placements: Sequence[InlinePlacement], not_inline: int,
                           rule_of: Callable[[Any], RuleInfo], followup: FollowupRef | None) -> None:
    await gh.post(
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        url_vars={"owner": owner, "repo": repo, "pull_number": str(number)},
        data={
            "commit_id": head_sha,
            "event": "COMMENT",
            "body": review_body(len(placements), head_sha, not_inline, followup=followup,
                                in_followup=sum(_in_followup(p.finding, followup) is not None for p in placements)),
            "comments": [review_comment(p, rule_of, followup) for p in placements],
        },
    )


async def mark_resolved(gh: GitHubAPI, owner: str, repo: str, comments: Sequence[OwnComment], head_sha: str) -> int:
    """Edit each own outdated comment to say it is resolved.

    REST cannot resolve a review thread; that is the GraphQL mutation `resolveReviewThread`
    (https://docs.github.com/en/graphql/reference/mutations#resolvereviewthread), which the fake
    GitHub used in tests does not implement. Editing the body is visible, idempotent (the marker
    gains a `resolved` flag) and needs only the REST permission we already hold.
    """
    for comment in comments:
        await gh.patch("/repos/{owner}/{repo}/pulls/comments/{comment_id}",
                       url_vars={"owner": owner, "repo": repo, "comment_id": str(comment.id)},
                       data={"body": resolved_comment_body(comment.body, head_sha)})
    return len(comments)


async def note_followup(gh: Any, owner: str, repo: str, comments: Sequence[OwnComment], number: int) -> int:
    """Say in each own comment whose fix the follow-up #`number` carries that it does (once)."""
    edited = 0
    for comment in comments:
        body = followup_noted_body(comment.body, number)
        if body is None:
            continue
        await gh.patch("/repos/{owner}/{repo}/pulls/comments/{comment_id}",
                       url_vars={"owner": owner, "repo": repo, "comment_id": str(comment.id)}, data={"body": body})
        edited += 1
    return edited


async def mark_ignored(gh: Any, owner: str, repo: str, comments: Sequence[tuple[OwnComment, str, str]],
                       bot_name: str) -> int:
    """Edit each own comment whose finding is still there but whose rule was ignored: (comment, code, by)."""
    for comment, code, by in comments:
        await gh.patch("/repos/{owner}/{repo}/pulls/comments/{comment_id}",
                       url_vars={"owner": owner, "repo": repo, "comment_id": str(comment.id)},
                       data={"body": ignored_comment_body(comment.body, code, by, bot_name)})
    return len(comments)
