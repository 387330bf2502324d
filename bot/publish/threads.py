"""Review threads over GitHub's GraphQL API: which of the bot's threads to resolve (pure) and the
operations that read and resolve them.

The REST API can edit a review comment but cannot resolve its thread; that is the GraphQL mutation
`resolveReviewThread` (https://docs.github.com/en/graphql/reference/mutations#resolvereviewthread).
A thread is identified by its first comment, whose `databaseId` is the REST comment id the plan knows.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

# One page of threads with the first comments of each: a thread with more than THREAD_COMMENTS
# comments has had replies, which alone keeps it open, so the first page of comments is enough.
THREAD_COMMENTS = 20
REVIEW_THREADS_QUERY = """
query ReviewThreads($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          comments(first: %d) {
            totalCount
            nodes { databaseId author { login } }
          }
        }
      }
    }
  }
}
""" % THREAD_COMMENTS

RESOLVE_THREAD_MUTATION = """
mutation ResolveThread($threadId: ID!) {
  resolveReviewThread(input: {threadId: $threadId}) {
    thread { id isResolved }
  }
}
"""


def threads_page(data: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str | None]:
    """The thread nodes of one answer to REVIEW_THREADS_QUERY and the cursor of the next page."""
    pull = ((data.get("repository") or {}).get("pullRequest")) or {}
    threads = pull.get("reviewThreads") or {}
    info = threads.get("pageInfo") or {}
    return [t for t in threads.get("nodes") or [] if t], (info.get("endCursor") if info.get("hasNextPage") else None)


def threads_to_resolve(threads: Iterable[Mapping[str, Any]], root_ids: Iterable[int],
                       is_own_login: Callable[[str], bool]) -> list[str]:
    """Ids of the unresolved threads opened by one of `root_ids` in which every comment is the bot's.

    A person's reply keeps the thread open: they are in a conversation that is theirs to close.
    """
    wanted = set(root_ids)
    out = []
    for thread in threads:
        comments = thread.get("comments") or {}
        nodes = [c for c in comments.get("nodes") or [] if c]
        if thread.get("isResolved") or not nodes or nodes[0].get("databaseId") not in wanted:
            continue
        if int(comments.get("totalCount", len(nodes))) > len(nodes):
            continue  # more comments than we read: somebody replied
        if all(is_own_login(str((c.get("author") or {}).get("login", ""))) for c in nodes):
            out.append(str(thread["id"]))
    return out
