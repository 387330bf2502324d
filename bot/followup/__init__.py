"""Follow-up pull requests: the automatic fixes of a pull request, offered as a second pull request.

One follow-up per source pull request, on the branch `hybridize/pr-<number>` of the base repository,
based on the source pull request's head (or, after a merge, on its base branch). The bot moves the
branch only while it is still the last commit the bot made there; a person's push stops all updates.

Modules: `naming` (branch, trailer, markers), `compute` (which files change: runs in a worker process),
`decide` (the branch-state decision table), `render` (title, body, commit message, comments),
`store` (durable per-PR state in BOT_DATA_DIR), `gitdata` (blobs, trees, commits, refs),
`sync` (the orchestration), `actions` (the check-run "Fix" button), `router` (webhook handlers).
"""
