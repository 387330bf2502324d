"""The end-to-end fixture: the real bot on a real port against the fake GitHub.

`env` yields (fake, bot). Parametrize it indirectly with a dict of extra settings, e.g.
`@pytest.mark.parametrize("env", [{"WORKERS": "2"}], indirect=True)`; the key `PULLS_ONLY` runs only the
pull-request feature's router. At teardown the fake GitHub must have seen no request that violates
GitHub's REST description and must have given no answer that violates it.
"""
from __future__ import annotations

import pytest
from gidgethub.routing import Router

from hybridize_bot.bot.pulls.router import router as pulls_router

from .harness import start_bot, stop_bot


@pytest.fixture
async def env(tmp_path, request):
    extra_env = dict(getattr(request, "param", {}))
    router = Router(pulls_router) if extra_env.pop("PULLS_ONLY", None) else None
    fake, bot = await start_bot(tmp_path, router=router, **extra_env)
    yield fake, bot
    await stop_bot(fake, bot)
    assert fake.violations == []
    assert fake.response_violations == []
