"""Shared fixtures. The fake GitHub's fixtures live in tests/fakegithub/fixtures.py."""
