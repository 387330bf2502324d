"""Entry point: `python app.py` starts the hybridize-bot GitHub App server.

Configuration comes from the environment (see bot/settings.py and the README).
"""

from hybridize_bot.bot.server import main

if __name__ == "__main__":
    main()
