"""Entry point: `python app.py` starts the hybridize-bot GitHub App server.

Configuration comes from the environment (see bot/settings.py and the README). Without App
credentials it first serves the one-click registration from app.yml beside this file
(bot/appmanifest.py).
"""

from pathlib import Path

from hybridize_bot.bot.server import main

if __name__ == "__main__":
    main(app_yml=Path(__file__).with_name("app.yml"))
