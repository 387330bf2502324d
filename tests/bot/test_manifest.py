"""app.yml subscribes to every event the composed routers handle, and asks for no extra power."""

from __future__ import annotations

from pathlib import Path

import pytest

from hybridize_bot.bot import routing

yaml = pytest.importorskip("yaml")

MANIFEST = Path(__file__).resolve().parents[2] / "app.yml"


def test_every_routed_event_is_subscribed() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    routed = set(routing.router._shallow_routes) | set(routing.router._deep_routes)
    assert routed <= set(manifest["default_events"]), routed - set(manifest["default_events"])


def test_permissions_are_the_documented_minimum() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert manifest["default_permissions"] == {
        "metadata": "read",
        "pull_requests": "write",
        "checks": "write",
        "contents": "write",
        "issues": "write",
    }
    assert "workflows" not in manifest["default_permissions"]
