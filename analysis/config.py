"""`[tool.hybridize]` configuration of an analyzed project.

Recognised keys (all optional)::

    [tool.hybridize]
    select = ["HYB001", "HYB01"]        # codes or code prefixes; default: every rule
    ignore = ["HYB014"]
    exclude = ["build/**", "third_party/**"]   # globs on paths relative to the project root
    per-file-ignores = { "tests/**" = ["HYB001"] }
    severity = { HYB006 = "error" }     # severity overrides
    min-tensorflow-version = "2.12"     # overrides what the declared dependencies say
    min-torch-version = "2.6"           # the same for PyTorch
    max-file-size = 1000000             # bytes; larger files are skipped with a note
    test-roots = false                  # true: library code traced only by tests counts as graph code
    frameworks = ["jax", "torch"]       # only these frameworks' rules (default: all; analysis/frameworks.py)

Unknown keys and bad values raise `ConfigError` with one clear sentence: a silently ignored typo in a
linter's configuration is worse than a loud one.
"""
from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping

from .model import Severity

DEFAULT_MAX_FILE_BYTES = 1_000_000
DEFAULT_EXCLUDE = (".git/**", "**/.git/**", "**/__pycache__/**", ".venv/**", "**/.venv/**", "**/node_modules/**")


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    min_tf_version: tuple[int, ...] | None = None
    # The oldest PyTorch the project supports: `min-torch-version`, else what its declared dependencies
    # say (filled in by the pipeline, `with_declared_torch`), else None (unknown).
    min_torch_version: tuple[int, ...] | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # Whether a tf.function written in test code makes the library code it calls graph code.
    test_roots: bool = False
    frameworks: tuple[str, ...] | None = None  # None: every framework's rules
    # Keys under [tool.hybridize] that belong to other components (the bot's own table).
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_cli(self, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> "Config":
        """Command-line --select replaces the configured selection; --ignore adds to it (ruff's rule)."""
        cfg = self
        if select:
            cfg = replace(cfg, select=tuple(_codes(select)))
        if ignore:
            cfg = replace(cfg, ignore=cfg.ignore + tuple(_codes(ignore)))
        return cfg

    def is_enabled(self, code: str, path: str) -> bool:
        if self.select is not None and not any(code.startswith(p) for p in self.select):
            return False
        if any(code.startswith(p) for p in self.ignore):
            return False
        for pattern, codes in self.per_file_ignores:
            if path_matches(path, pattern) and any(code.startswith(c) for c in codes):
                return False
        return True

    def severity_for(self, code: str, default: Severity) -> Severity:
        return self.severity.get(code, default)

    def is_excluded(self, path: str) -> bool:
        return _matcher(DEFAULT_EXCLUDE + self.exclude)(path) is not None


@functools.lru_cache(maxsize=32)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], object]:
    """One compiled regular expression matching what `path_matches` matches for any of the patterns
    (a run asks about every file of the repository)."""
    return re.compile("|".join(f"(?:{alternative})" for pattern in patterns for alternative in _regexes(pattern))).match


def _regexes(pattern: str) -> list[str]:
    pattern = pattern.strip()
    if pattern.endswith("/"):
        pattern += "**"
    out = [fnmatch.translate(pattern)]
    if not any(ch in pattern for ch in "*?["):
        out.append(re.escape(pattern.rstrip("/") + "/") + r"(?s:.*)\Z")
    if pattern.startswith("**/"):
        out.append(fnmatch.translate(pattern[3:]))
    return out


def path_matches(path: str, pattern: str) -> bool:
    """Glob match on a posix relative path; `dir/` or `dir` also matches everything below it."""
    pattern = pattern.strip()
    if pattern.endswith("/"):
        pattern += "**"
    if fnmatch.fnmatchcase(path, pattern):
        return True
    if not any(ch in pattern for ch in "*?["):
        return path == pattern or path.startswith(pattern.rstrip("/") + "/")
    # "**/x" should also match "x" at the root.
    if pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:]):
        return True
    return False


_CODE = re.compile(r"^HYB\d{0,3}$|^BEY\d{0,3}$")
_KNOWN_KEYS = {
    "select", "ignore", "exclude", "per-file-ignores", "severity", "min-tensorflow-version",
    "min-torch-version", "max-file-size", "test-roots", "bot", "frameworks",
}


def _codes(values: Iterable[str]) -> list[str]:
    out = []
    for raw in values:
        for part in str(raw).split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not _CODE.match(code):
                raise ConfigError(f"'{part.strip()}' is not a rule code or prefix (expected e.g. HYB001 or HYB0)")
            out.append(code)
    return out


def parse_version(text: str, key: str = "min-tensorflow-version", example: str = "2.12") -> tuple[int, ...]:
    match = re.match(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(text))
    if not match:
        raise ConfigError(f"{key}: '{text}' is not a version like {example}")
    return tuple(int(g) for g in match.groups() if g is not None)


def _version_key(table: Mapping[str, Any], key: str, example: str) -> tuple[int, ...]:
    version = table[key]
    if not isinstance(version, str):
        # TOML reads `2.10` as the float 2.1: the number cannot say which version was meant.
        raise ConfigError(f"{key} must be a quoted string such as \"{example}\", not the number {version!r}")
    return parse_version(version, key, example)


def config_from_table(table: Mapping[str, Any]) -> Config:
    """Build a Config from the `[tool.hybridize]` table (already parsed TOML)."""
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"[tool.hybridize]: unknown key(s) {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    if "select" in table:
        kwargs["select"] = tuple(_codes(_str_list(table["select"], "select")))
    if "ignore" in table:
        kwargs["ignore"] = tuple(_codes(_str_list(table["ignore"], "ignore")))
    if "exclude" in table:
        kwargs["exclude"] = tuple(_str_list(table["exclude"], "exclude"))
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError("per-file-ignores must be a table of glob = [codes]")
        kwargs["per_file_ignores"] = tuple(
            (str(glob), tuple(_codes(_str_list(codes, f"per-file-ignores.{glob}")))) for glob, codes in pfi.items()
        )
    if "severity" in table:
        sev = table["severity"]
        if not isinstance(sev, dict):
            raise ConfigError("severity must be a table of CODE = \"error\"|\"warning\"|\"info\"")
        parsed = {}
        for code, level in sev.items():
            (norm,) = _codes([code])
            try:
                parsed[norm] = Severity(str(level).lower())
            except ValueError:
                raise ConfigError(f"severity.{code}: '{level}' is not one of error, warning, info") from None
        kwargs["severity"] = parsed
    if "min-tensorflow-version" in table:
        kwargs["min_tf_version"] = _version_key(table, "min-tensorflow-version", "2.10")
    if "min-torch-version" in table:
        kwargs["min_torch_version"] = _version_key(table, "min-torch-version", "2.6")
    if "max-file-size" in table:
        size = table["max-file-size"]
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ConfigError(f"max-file-size must be a positive integer number of bytes, not {size!r}")
        kwargs["max_file_bytes"] = size
    if "test-roots" in table:
        flag = table["test-roots"]
        if not isinstance(flag, bool):
            raise ConfigError(f"test-roots must be true or false, not {flag!r}")
        kwargs["test_roots"] = flag
    if "frameworks" in table:
        kwargs["frameworks"] = _frameworks(table["frameworks"])
    if "bot" in table:
        # Imported here: only a configuration with a bot table needs it (2 ms of every run's imports).
        from .bot_options import parse_bot_options

        _options, problems = parse_bot_options(table["bot"])
        if problems:
            raise ConfigError("; ".join(problems))
        kwargs["extra"] = {"bot": dict(table["bot"])}
    return Config(**kwargs)


def _frameworks(value: Any) -> tuple[str, ...]:
    from .frameworks import FRAMEWORKS

    names = tuple(v.strip().lower() for v in _str_list(value, "frameworks"))
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        raise ConfigError(f"frameworks: {', '.join(unknown)} not one of {', '.join(FRAMEWORKS)}")
    return names


def _str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{key} must be a list of strings")


def load_pyproject_bytes(data: bytes | None) -> Config:
    """Config from the bytes of a pyproject.toml (None or no [tool.hybridize] table: defaults)."""
    table = hybridize_table(data)
    return config_from_table(table) if table is not None else Config()


def hybridize_table(data: bytes | None) -> dict[str, Any] | None:
    """The raw `[tool.hybridize]` table of a pyproject.toml, or None when there is none."""
    if not data:
        return None
    import tomllib  # here: a run without a pyproject.toml (most warm runs' callers) never loads it

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML: {exc}") from None
    tool = doc.get("tool", {})
    table = tool.get("hybridize") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError("[tool.hybridize] must be a table")
    return table
