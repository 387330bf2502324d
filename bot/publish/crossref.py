"""Naming the follow-up pull request in a review published before it existed.

The review of a push runs before the follow-up for that push is opened, so its summary comment and
inline comments cannot name it yet; once the follow-up exists, this edits them in place: the summary's
lead line and Fix column (`render.summary_with_followup`), and each inline comment whose fix it carries
(`render.followup_noted_body`). The next review renders the reference itself.
"""
from __future__ import annotations

from typing import Any, Collection

from ..pulls.selection import followup_comments, read_review_comments
from .gateway import Gateway
from .identity import BotIdentity
from .markers import parse_review_state
from .plan import comment_edits
from .render import FollowupRef, summary_with_followup
from .review import list_review_comments
from .summary import find_summary_comment


async def cross_reference_followup(gh: Any, owner: str, repo: str, number: int, me: BotIdentity, head_sha: str,
                                   ref: FollowupRef, places: Collection[tuple[str, int]]) -> None:
    """Edit the review of `head_sha` to name follow-up `ref` (fixes at `places`: path and line)."""
    gateway = Gateway(gh, owner, repo)
    summary = await find_summary_comment(gh, owner, repo, number, me)
    state = parse_review_state((summary or {}).get("body"))
    if summary is not None and state is not None and head_sha.startswith(state.sha):
        await gateway.write_summary(number, summary_with_followup(summary["body"], ref, places), summary)
    existing = read_review_comments(await list_review_comments(gh, owner, repo, number), me.authored)
    for edit in comment_edits(ignored=(), noted=followup_comments(existing, ref.fingerprints),
                              followup_number=ref.number, resolved=(), head_sha=head_sha, bot_name=me.slug):
        await gateway.edit_review_comment(edit.comment_id, edit.body)
