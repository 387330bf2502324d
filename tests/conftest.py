"""Shared fixtures. The fake GitHub's fixtures (fake_github, rsa_keypair) live in tests/fakegithub/fixtures.py."""

pytest_plugins = ["tests.fakegithub.fixtures"]
