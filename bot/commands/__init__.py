"""Comment commands: `@hybridize-bot recheck | fix | ignore CODE | unignore CODE | explain CODE | help`.

Modules: `parse` (finding commands in a comment, pure), `help` (the texts the bot answers with),
`permissions` (the commenter's access and who may run what), `store` (durable ignores and handled
comments in BOT_DATA_DIR), `ignores` (`ignored_codes`, used by the pull-request review), `run`
(executing one command), `router` (the `issue_comment` handler).
"""
