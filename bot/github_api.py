"""The GitHub client as handlers see it: the part of gidgethub's `GitHubAPI` the bot uses, plus
`get_bytes`, typed (bot/github.py's `GitHubClient` is the implementation; tests may pass fakes)."""
from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any, Protocol

UrlVars = Mapping[str, Any]


class GitHubAPI(Protocol):
    async def getitem(self, url: str, url_vars: UrlVars | None = ..., *, accept: str = ...) -> Any: ...

    def getiter(self, url: str, url_vars: UrlVars | None = ..., *, accept: str = ...) -> AsyncGenerator[Any, None]: ...

    async def post(self, url: str, url_vars: UrlVars | None = ..., *, data: Any, accept: str = ...) -> Any: ...

    async def patch(self, url: str, url_vars: UrlVars | None = ..., *, data: Any, accept: str = ...) -> Any: ...

    async def put(self, url: str, url_vars: UrlVars | None = ..., *, data: Any = ..., accept: str = ...) -> Any: ...

    async def delete(self, url: str, url_vars: UrlVars | None = ..., *, data: Any = ..., accept: str = ...) -> None: ...

    async def get_bytes(self, url: str, url_vars: UrlVars | None = None, *, accept: str = ...) -> bytes: ...
