"""A fake GitHub for end-to-end tests of the bot.

A real aiohttp server on a loopback port that keeps repository state (real git objects), answers
the REST endpoints a PR bot uses, validates every request against GitHub's OpenAPI description
(``tests/github/rest-openapi-subset.json``) and records violations in ``FakeGitHub.violations``
(the ``fake_github`` fixture in ``fixtures.py`` fails the test at teardown when any were recorded).

    fake = FakeGitHub(app_id=1234, public_key_pem=pub_pem)
    base_url = await fake.start()                      # "http://127.0.0.1:<port>"
    repo = fake.add_repo("octo/proj")                  # App installed on "octo" (repo.installation_id)
    fake.commit(repo, {"a.py": "x = 1\\n"})             # real blob/tree/commit, moves "main"
    fake.commit(repo, {"a.py": "x = 2\\n"}, branch="feat", parent=repo.branch("main"))
    pr = fake.open_pull_request(repo, "feat", "main")
    fake.push(repo, "feat", {"b.py": "y = 1\\n"})       # PR head follows
    fake.inject("GET", r"/pulls/\\d+/files", status=502) # next matching request fails once
    await fake.stop()

Modules: ``server`` (FakeGitHub, request pipeline), ``openapi`` (routing, validation, response
conforming), ``gitobjects``/``diffs`` (git objects, GitHub-style patches), ``auth`` (JWT, tokens),
``permissions``, ``faults``, ``state``/``render`` (records and their JSON), ``handlers_*``.
"""
from .gitobjects import Person, blob_sha
from .server import FakeGitHub, RecordedRequest

__all__ = ["FakeGitHub", "Person", "RecordedRequest", "blob_sha"]
