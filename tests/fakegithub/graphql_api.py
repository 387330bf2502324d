"""`POST /graphql` of the fake GitHub: review threads of a pull request and `resolveReviewThread`.

Every query is parsed and validated with graphql-core against `tests/github/graphql-subset.graphql`
(a hand-written subset of GitHub's public schema; see that file for its source): an operation the
subset rejects is recorded as a violation (the test fails at teardown) and answered as GitHub answers
an invalid query, 200 with `errors`. Threads are derived from the REST review comments as GitHub
stores them: a comment without `in_reply_to_id` opens a thread, its replies point at it.
"""
from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphql

from .auth import AuthError
from .render import node_id
from .state import ReviewComment, User

if TYPE_CHECKING:
    from .server import FakeGitHub

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "github" / "graphql-subset.graphql"
PAGE_CAP = 100  # GitHub: `first`/`last` must be within 1..100


@lru_cache(maxsize=1)
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


def _decode_node(node: str, kind: str) -> int | None:
    try:
        text = base64.b64decode(node.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    prefix = f"0:{kind}"
    return int(text[len(prefix):]) if text.startswith(prefix) and text[len(prefix):].isdigit() else None


def _page(items: list[Any], first: int | None, after: str | None) -> dict[str, Any]:
    if first is None or not 1 <= first <= PAGE_CAP:
        raise graphql.GraphQLError("You must provide a `first` or `last` value between 1 and 100 to properly "
                                   "paginate this connection.")
    start = int(after) if after and after.isdigit() else 0
    chunk = items[start:start + first]
    end = start + len(chunk)
    return {"nodes": chunk, "totalCount": len(items),
            "pageInfo": {"endCursor": str(end) if chunk else None, "hasNextPage": end < len(items),
                         "hasPreviousPage": start > 0, "startCursor": str(start) if chunk else None}}


class _Actor:
    def __init__(self, user: User) -> None:
        # GraphQL names a GitHub App's bot by its slug: `Bot.login` has no "[bot]" suffix (REST has).
        self.login = user.login.removesuffix("[bot]") if user.type == "Bot" else user.login
        self.id = node_id("User" if user.type != "Bot" else "Bot", user.login)
        self.typename = "Bot" if user.type == "Bot" else "User"


def _resolve_actor_type(value: Any, *_: Any) -> str:
    return value.typename


class _Comment:
    def __init__(self, c: ReviewComment) -> None:
        self.id = node_id("PullRequestReviewComment", c.id)
        self.databaseId = c.id
        self.body = c.body
        self.author = _Actor(c.user)
        self.path = c.path
        self.createdAt = c.created_at
        self._reply_to = c.in_reply_to_id

    def replyTo(self, info: graphql.GraphQLResolveInfo) -> _Comment | None:
        parent = info.context["fake"].review_comments.get(self._reply_to) if self._reply_to else None
        return _Comment(parent) if parent is not None else None


class _Thread:
    def __init__(self, fake: FakeGitHub, root: ReviewComment) -> None:
        self.fake, self.root = fake, root
        self.id = node_id("PullRequestReviewThread", root.id)
        self.path = root.path
        self.line = root.line
        self.isOutdated = False
        self.viewerCanResolve = True

    @property
    def isResolved(self) -> bool:
        return self.root.id in self.fake.resolved_threads

    @property
    def resolvedBy(self) -> _Actor | None:
        by = self.fake.resolved_threads.get(self.root.id)
        return _Actor(by) if by is not None and by.type != "Bot" else None

    def comments(self, info: graphql.GraphQLResolveInfo, first: int | None = None, after: str | None = None,
                 **_: Any) -> dict[str, Any]:
        members = [self.root] + sorted((c for c in self.fake.review_comments.values()
                                        if c.in_reply_to_id == self.root.id), key=lambda c: c.id)
        return _page([_Comment(c) for c in members], first, after)


class _Pull:
    def __init__(self, fake: FakeGitHub, repo: Any, number: int) -> None:
        self.fake, self.repo, self.number = fake, repo, number
        self.id = node_id("PullRequest", f"{repo.id}:{number}")

    def reviewThreads(self, info: graphql.GraphQLResolveInfo, first: int | None = None, after: str | None = None,
                      **_: Any) -> dict[str, Any]:
        roots = sorted((c for c in self.fake.review_comments.values()
                        if c.repo is self.repo and c.pull_number == self.number and c.in_reply_to_id is None),
                       key=lambda c: c.id)
        return _page([_Thread(self.fake, c) for c in roots], first, after)


class _Repository:
    def __init__(self, fake: FakeGitHub, repo: Any) -> None:
        self.fake, self.repo = fake, repo
        self.id = node_id("Repository", repo.id)
        self.name = repo.name

    def pullRequest(self, info: graphql.GraphQLResolveInfo, number: int) -> _Pull | None:
        return _Pull(self.fake, self.repo, number) if self.fake.pull_request(self.repo, number) else None


class _Query:
    def repository(self, info: graphql.GraphQLResolveInfo, owner: str, name: str, **_: Any) -> _Repository | None:
        fake, tok = info.context["fake"], info.context["token"]
        repo = fake.repos.get(f"{owner}/{name}".lower())
        if repo is None or repo.installation_id != tok.installation_id:
            raise graphql.GraphQLError(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return _Repository(fake, repo)

    def node(self, info: graphql.GraphQLResolveInfo, id: str) -> None:
        return None


class _Mutation:
    def _thread(self, info: graphql.GraphQLResolveInfo, thread_id: str) -> ReviewComment:
        fake, tok = info.context["fake"], info.context["token"]
        root_id = _decode_node(thread_id, "PullRequestReviewThread")
        root = fake.review_comments.get(root_id) if root_id is not None else None
        if root is None or root.repo.installation_id != tok.installation_id:
            raise graphql.GraphQLError(f"Could not resolve to a node with the global id of '{thread_id}'")
        if tok.permissions.get("pull_requests") != "write":
            raise graphql.GraphQLError("Resource not accessible by integration")
        return root

    def resolveReviewThread(self, info: graphql.GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        fake = info.context["fake"]
        root = self._thread(info, input["threadId"])
        fake.resolved_threads.setdefault(root.id, fake.bot_user)  # resolving twice changes nothing
        return {"clientMutationId": input.get("clientMutationId"), "thread": _Thread(fake, root)}

    def unresolveReviewThread(self, info: graphql.GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        fake = info.context["fake"]
        root = self._thread(info, input["threadId"])
        fake.resolved_threads.pop(root.id, None)
        return {"clientMutationId": input.get("clientMutationId"), "thread": _Thread(fake, root)}


def _root(operation: str) -> Any:
    return _Mutation() if operation == "mutation" else _Query()


def answer(fake: FakeGitHub, authorization: str, body: Any) -> tuple[int, dict[str, Any]]:
    """(status, JSON) for one `POST /graphql` with `body` already decoded from JSON."""
    scheme, _, credential = authorization.partition(" ")
    try:
        if scheme.lower() not in ("token", "bearer") or not credential:
            raise AuthError("This endpoint requires you to be authenticated.")
        token = fake.tokens.check(credential)
    except AuthError as err:
        return 401, {"message": str(err), "documentation_url": "https://docs.github.com/graphql"}
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        fake.violations.append(f"POST /graphql: body without a query string: {json.dumps(body)[:200]}")
        return 400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}
    try:
        document = graphql.parse(body["query"])
    except graphql.GraphQLError as err:
        fake.violations.append(f"POST /graphql: does not parse: {err.message}")
        return 200, {"errors": [{"message": err.message}]}
    problems = graphql.validate(schema(), document)
    if problems:
        fake.violations.append("POST /graphql: invalid against the schema subset: "
                               + "; ".join(p.message for p in problems))
        return 200, {"errors": [{"message": p.message} for p in problems]}
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    result = graphql.execute(schema(), document, root_value=_root(operations[0].operation.value),
                             context_value={"fake": fake, "token": token},
                             variable_values=body.get("variables") or {}, type_resolver=_resolve_actor_type)
    assert isinstance(result, graphql.ExecutionResult)  # every resolver is synchronous
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [{"message": e.message, "path": e.path} for e in result.errors]
    return 200, out
