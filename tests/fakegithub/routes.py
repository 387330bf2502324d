"""Handler registry shared by the handler modules and the server."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

if TYPE_CHECKING:
    from aiohttp import web

    from .openapi import Operation
    from .server import FakeGitHub
    from .state import Installation, Repo, User


class ApiError(Exception):
    """An error answer: ``{"message": ..., "errors": [...], "documentation_url": ..., "status": ...}``."""

    def __init__(self, status: int, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


@dataclass
class Ctx:
    fake: FakeGitHub
    request: web.Request
    op: Operation
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    actor: User | None = None
    installation: Installation | None = None
    repo: Repo | None = None


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Ctx], Awaitable[Reply]]
HANDLERS: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[(method.upper(), template)] = fn
        return fn
    return register
