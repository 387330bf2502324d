"""Print the README's Quick start commands, one per line, exactly as the README writes them.

`.ci/run` runs what this prints, so the README stays the single source of the two commands
(tests/test_readme.py pins what it prints). Standard library only: it runs before anything is installed.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path


def quick_start(readme: str) -> list[str]:
    """The commands of the first ```bash block under "## Quick start", trailing `# comments` dropped."""
    block = re.search(r"^## Quick start\n.*?^```bash\n(.*?)^```", readme, re.S | re.M)
    if block is None:
        raise SystemExit("README.md has no ```bash block under '## Quick start'")
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.group(1).splitlines() if line.strip()]


if __name__ == "__main__":
    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md").read_text(encoding="utf-8")
    print("\n".join(quick_start(readme)))
