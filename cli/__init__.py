"""The `hybridize` command line: files on disk -> `hybridize_bot.analysis.analyze` -> reports.

    main.py     the parser, `check`, `rules`, `explain` and the plug-in subcommands
    options.py  the options and errors every subcommand shares
    files.py    which files a run reads, and the project's configuration
    gitdiff.py  `check --diff`: the lines changed since a revision
    output/     the four report formats (text, JSON, SARIF, GitHub workflow commands)
    fix.py      `hybridize fix`;  facts.py: `hybridize facts`
    docs.py     `python -m hybridize_bot.cli.docs`: the rule pages under docs/rules/

It is the only part that reads the file system; `hybridize_bot.analysis` never imports it.
"""
