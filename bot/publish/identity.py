"""Recognising the bot's own comments, so that a person's comment is never edited.

A GitHub App comments as the user `<app-slug>[bot]` (type "Bot"); issue comments also carry
`performed_via_github_app`. A marker alone is not enough: anyone can paste it into a comment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class BotIdentity:
    app_id: str
    slug: str

    @property
    def login(self) -> str:
        return f"{self.slug}[bot]"

    def authored(self, comment: Mapping[str, Any]) -> bool:
        user = comment.get("user") or {}
        if user.get("type") != "Bot":
            return False
        via = comment.get("performed_via_github_app") or {}
        if via and str(via.get("id")) == str(self.app_id):
            return True
        return user.get("login") == self.login


_slugs: dict[str, str] = {}


async def bot_identity(app_client: Any, app_id: str, fallback_slug: str) -> BotIdentity:
    """The App's slug from `GET /app` (cached per process); the configured name if that fails."""
    slug = _slugs.get(app_id)
    if slug is None:
        try:
            app = await app_client.getitem("/app")
            slug = str(app["slug"])
            _slugs[app_id] = slug
        except Exception:  # a wrong slug only risks a duplicate summary, never editing a person's text
            slug = fallback_slug
    return BotIdentity(str(app_id), slug)
