"""`python -m hybridize_bot.cli` runs the `hybridize` command."""
from .main import entry

entry()
