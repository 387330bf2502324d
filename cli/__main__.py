"""`python -m hybridize_bot.cli` runs the `hybridize` command."""
import sys

from .main import main

sys.exit(main())
