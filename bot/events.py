"""Typed models of the webhook deliveries the App handles, checked before anything runs (issue 17, point 2).

A correctly signed delivery is still untrusted input: a `pull_request.opened` without
`pull_request.head`, `number: "abc"`, `pull_request: [1, 2]`, a missing `repository` or a string
`installation.id` used to be queued, half acted on, and retried. `invalid_reason(event, data)` checks
every field a handler reads (only those: GitHub adds fields all the time, and extra ones are ignored)
with pydantic in strict mode, so `"5"` is not a number and `[1, 2]` is not an object. The webhook
answers an invalid delivery 400 with a log line naming the delivery: it is never queued, so nothing is
written and nothing is retried, and GitHub lists it as failed under the App's "Advanced" deliveries,
where an operator can see it (a 202 would hide it; GitHub does not redeliver failed deliveries by itself).

Fields as documented in https://docs.github.com/en/webhooks/webhook-events-and-payloads. A package with
GitHub's own schemas exists (githubkit's generated webhook models), but it is megabytes of generated
code for the six events used here.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

Sha = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{40}$")]
PositiveInt = Annotated[StrictInt, Field(gt=0)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=256)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class Account(_Model):
    login: Name


class Sender(_Model):
    login: Name
    type: StrictStr | None = None


class Installation(_Model):
    id: PositiveInt
    account: Account | None = None


class Repository(_Model):
    name: Name
    full_name: Name
    owner: Account


class _RepositoryEvent(_Model):
    """What every repository event must carry: where (repository) and as whom (installation)."""

    action: StrictStr
    installation: Installation
    repository: Repository
    sender: Sender | None = None


class GitRef(_Model):
    ref: Name
    sha: Sha


class PullRequest(_Model):
    number: PositiveInt
    head: GitRef
    base: GitRef
    state: StrictStr | None = None


class PullRequestEvent(_RepositoryEvent):
    number: PositiveInt
    pull_request: PullRequest


class PullNumber(_Model):
    number: PositiveInt


class CheckSuite(_Model):
    head_sha: Sha
    pull_requests: list[PullNumber] = []


class CheckSuiteEvent(_RepositoryEvent):
    check_suite: CheckSuite


class CheckRunSuite(_Model):
    pull_requests: list[PullNumber] = []


class CheckRun(_Model):
    name: StrictStr
    head_sha: Sha
    pull_requests: list[PullNumber] = []
    check_suite: CheckRunSuite | None = None


class RequestedAction(_Model):
    identifier: StrictStr


class CheckRunEvent(_RepositoryEvent):
    check_run: CheckRun
    requested_action: RequestedAction | None = None


class Issue(_Model):
    number: PositiveInt
    pull_request: dict[str, Any] | None = None  # present (an object) when the issue is a pull request
    user: Account | None = None


class Comment(_Model):
    id: PositiveInt
    body: StrictStr | None = None
    user: Sender


class IssueCommentEvent(_RepositoryEvent):
    issue: Issue
    comment: Comment


class RepositoryName(_Model):
    full_name: Name


class InstallationEvent(_Model):
    action: StrictStr
    installation: Installation
    repositories: list[RepositoryName] | None = None
    sender: Sender | None = None


class InstallationRepositoriesEvent(_Model):
    action: StrictStr
    installation: Installation
    repositories_added: list[RepositoryName] = []
    repositories_removed: list[RepositoryName] = []
    sender: Sender | None = None


MODELS: dict[str, type[_Model]] = {
    "pull_request": PullRequestEvent,
    "check_suite": CheckSuiteEvent,
    "check_run": CheckRunEvent,
    "issue_comment": IssueCommentEvent,
    "installation": InstallationEvent,
    "installation_repositories": InstallationRepositoriesEvent,
}


def valid_action(event: str, body: bytes) -> str | None:
    """The `action` of a delivery whose event has a model and whose raw body validates against it, or
    None (no model, not JSON, or invalid: the caller parses the body and `invalid_reason` says why).

    pydantic parses and checks the JSON in one pass and builds only the modelled fields, which is about
    half the CPU of parsing the whole payload into Python objects first (the acknowledgement path,
    issue 13). Same rules as `invalid_reason`: strict mode applies to JSON input too.
    """
    model = MODELS.get(event)
    if model is None:
        return None
    try:
        validated = model.model_validate_json(body)
    except ValidationError:
        return None
    return str(getattr(validated, "action"))


def invalid_reason(event: str, data: dict[str, Any]) -> str | None:
    """Why the delivery cannot be acted on (the first few problems, by field), or None when it can.

    An event the App has no model for is not handled by any router, so it is not judged here.
    """
    model = MODELS.get(event)
    if model is None:
        return None
    try:
        model.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in exc.errors()[:5]]
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        return "; ".join(problems) + more
    return None
