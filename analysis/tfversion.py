"""The minimum TensorFlow (or PyTorch) version a project declares, and the versions that introduced new API names.

Rename fixes (HYB010/011/012) are safe only when every TensorFlow the project supports already has the
new name, so the engine reads the lowest TensorFlow version the project's declared dependencies allow.
The same reading, for the `torch` distribution, tells HYB205 whether every supported PyTorch already
loads with `weights_only=True` by default (`declared_min_version(sources, TORCH_DISTRIBUTIONS)`).
Nothing here executes project code: `setup.py` is read with `ast`, YAML and requirements files with a
small line parser (PyYAML is not a dependency and conda files need only their list items); a built
package's core metadata (a wheel's `*.dist-info/METADATA`, an sdist's `PKG-INFO`) by its
`Requires-Dist:` lines.

## Versions that introduced the new names

What was verified, and how (no network on the build machine, so the evidence is what can be read
locally plus the sources cited in the project's research notes (hybridization-study.md §3.2)):

* In the installed TensorFlow 2.21 (`tensorflow/python/eager/polymorphic_function/polymorphic_function.py`)
  `tf.function` carries `@deprecation.deprecated_args(None, "experimental_relax_shapes is deprecated, use
  reduce_retracing instead", ...)` and `@deprecation.deprecated_args(None, "experimental_compile is
  deprecated, use jit_compile instead", ...)`; `eager_function_run.py` marks
  `tf.config.experimental_run_functions_eagerly` `@deprecation.deprecated(None, "Use
  tf.config.run_functions_eagerly instead ...")` and its body is `return run_functions_eagerly(...)`.
  The first argument (the removal date) is `None` in all three, so the decorators carry no version: the
  introduction versions below come from the release notes, cited but not re-read here.
* The same source shows the renames preserve behaviour on 2.21: `if experimental_relax_shapes:
  reduce_retracing = True` (truthiness, hence `bool(X)` in the HYB010 fix) and
  `jit_compile=deprecation.deprecated_argument_lookup("jit_compile", jit_compile, "experimental_compile",
  experimental_compile)` (the old value is used verbatim when the new one is absent).
"""
from __future__ import annotations

import ast
import posixpath
import re
from typing import Any, Iterable, Mapping

Version = tuple[int, ...]

# `reduce_retracing` replaced `experimental_relax_shapes` in TensorFlow 2.9.0.
# Release notes: https://github.com/tensorflow/tensorflow/releases/tag/v2.9.0 ("tf.function ...
# experimental_relax_shapes ... renamed to reduce_retracing"); corroborated by keras-team/keras-core
# PR #598 (gates on Version("2.9.0")) and zaccharieramzi/tfkbnufft PR #46 ("updated for tf >= 2.9"), both
# cited in the catalogue, and by the internal bug number of the rename TODO in 2.21's source
# (b/224808187, filed in early 2022, i.e. the 2.9 cycle).
REDUCE_RETRACING_SINCE: Version = (2, 9)

# `jit_compile` is the stable name of `experimental_compile` since TensorFlow 2.5.0.
# Release notes: https://github.com/tensorflow/tensorflow/releases/tag/v2.5.0 ("tf.function(
# experimental_compile=True) has become a stable API, renamed tf.function(jit_compile=True)").
# Corroborated by google/jax PR #6391, which had to switch back to experimental_compile for TF 2.4.1
# (so 2.4 lacks the new name). The catalogue's other source (onnxruntime PR #27665: "available since TF 2.4")
# contradicts the 2.4.1 evidence, so the later version is the safe one.
JIT_COMPILE_SINCE: Version = (2, 5)

# `tf.config.run_functions_eagerly` was added (and the experimental name deprecated) in TensorFlow 2.3.0.
# Release notes: https://github.com/tensorflow/tensorflow/releases/tag/v2.3.0 (tf.function section:
# "tf.config.experimental_run_functions_eagerly ... deprecated in favor of tf.config.run_functions_eagerly").
# Not re-verifiable offline beyond the 2.21 deprecation message quoted above; 2.3 is what the API docs
# history (https://www.tensorflow.org/versions/r2.3/api_docs/python/tf/config/run_functions_eagerly) shows
# as the first version with the page.
RUN_FUNCTIONS_EAGERLY_SINCE: Version = (2, 3)

# Distributions that install the `tensorflow` package itself (PEP 503-normalized names). Add-on packages
# (tensorflow-io, tensorflow-addons, tensorflow-probability) have their own version numbers and are not TF.
TF_DISTRIBUTIONS = frozenset({
    "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel",
    "tensorflow-aarch64", "tensorflow-rocm", "tensorflow-cpu-aws", "intel-tensorflow",
    "intel-tensorflow-avx512", "tf-nightly", "tf-nightly-cpu", "tf-nightly-gpu", "tf-nightly-macos",
    "tensorflow-metal-nightly",
})

# The distribution that installs the `torch` package (PEP 503-normalized).
TORCH_DISTRIBUTIONS = frozenset({"torch"})

# `torch.load` defaults to `weights_only=True` since PyTorch 2.6.0.
# Release notes: https://github.com/pytorch/pytorch/releases/tag/v2.6.0 ("[torch.load] weights_only=True
# is now the default"), and the torch.load documentation (torch/serialization.py in 2.6+: "weights_only:
# ... Default: True"); tests/runtime_torch checks the default on the installed PyTorch.
TORCH_LOAD_WEIGHTS_ONLY_SINCE: Version = (2, 6)


def version_text(version: Version | None) -> str:
    return ".".join(str(p) for p in version) if version else "unknown"


def supports(min_version: Version | None, since: Version) -> bool:
    """Whether every TensorFlow >= `min_version` has an API introduced in `since` (unknown: False)."""
    return min_version is not None and min_version >= since


# ---- requirement specifiers ------------------------------------------------------------------------

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$", re.S)
_VERSION = re.compile(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_SPECIFIER_SET = re.compile(r"^(?:(?:===|==|~=|>=|<=|!=|>|<)\s*[\w.*+!-]+\s*(?:,\s*|$))+$")
_CLAUSE = re.compile(r"^\s*(===|==|~=|>=|<=|!=|>|<|\^|~|=)?\s*([^\s,]*)\s*$")


def normalize_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse_version(text: str) -> Version | None:
    match = _VERSION.match(text)
    if not match:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


def lower_bound(spec: str, *, bare_is_exact: bool = False) -> Version | None:
    """Lowest version a specifier set allows: `>=2.12,<3` -> (2, 12); `<3` -> None.

    Besides PEP 440 operators this accepts poetry's `^2.12` / `~2.12` and conda's `=2.12` / `2.12.*`.
    `bare_is_exact`: a bare version (`2.12.0`, poetry and conda) means that version.
    """
    bounds: list[Version] = []
    for clause in re.split(r"[,|]", spec):
        if not clause.strip() or clause.strip() == "*":
            continue
        match = _CLAUSE.match(clause)
        if not match:
            continue
        op, ver = match.group(1) or "", match.group(2)
        if op in ("<", "<=", "!="):
            continue  # an upper bound or an exclusion says nothing about the minimum
        if not op and not bare_is_exact:
            continue
        parsed = _parse_version(ver)
        if parsed is not None:
            # `>2.8` allows 2.8.1: using 2.8 is the conservative reading.
            bounds.append(parsed)
    if not bounds:
        return None
    # Several lower bounds on one requirement must all hold: the tightest is the real minimum. A clause
    # list joined with `|` (conda alternatives) is rare for TF; treating it like `,` overestimates only there.
    return max(bounds)


def requirement_min(line: str, distributions: frozenset[str] = TF_DISTRIBUTIONS) -> Version | None | bool:
    """For one PEP 508 requirement: its lower bound, None (without a bound) or False (not one of
    `distributions`, TensorFlow's by default)."""
    line = line.split(";", 1)[0]  # environment markers do not change the version bound
    line = line.split(" #", 1)[0].strip()
    match = _NAME.match(line)
    if not match:
        return False
    name, rest = normalize_name(match.group(1)), match.group(3)
    if name not in distributions:
        return False
    if rest.startswith("@"):
        return None  # a direct URL reference; the version is not visible
    rest = rest.strip().strip("()").strip()
    if rest and not _SPECIFIER_SET.match(rest):
        return False  # prose that merely starts with "tensorflow" (a setup.py description, say)
    return lower_bound(rest)


# ---- file formats -------------------------------------------------------------------------------


def _from_requirement_strings(items: Iterable[Any], distributions: frozenset[str]) -> list[Version | None]:
    out: list[Version | None] = []
    for item in items:
        if isinstance(item, str):
            found = requirement_min(item, distributions)
            if found is not False:
                out.append(found)  # type: ignore[arg-type]
    return out


def _poetry_value(value: Any) -> Version | None:
    if isinstance(value, dict):
        value = value.get("version", "")
    if isinstance(value, list):  # multiple-constraint form: the weakest entry is the project minimum
        found = [_poetry_value(v) for v in value]
        return min(found) if found and all(f is not None for f in found) else None  # type: ignore[type-var]
    return lower_bound(str(value), bare_is_exact=True)


def from_pyproject(data: bytes, distributions: frozenset[str] = TF_DISTRIBUTIONS) -> list[Version | None]:
    import tomllib  # the TOML and INI parsers load only for a project that has such files

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    out: list[Version | None] = []
    project = doc.get("project", {})
    if isinstance(project, dict):
        out += _from_requirement_strings(project.get("dependencies", []) or [], distributions)
        for extra in (project.get("optional-dependencies", {}) or {}).values():
            if isinstance(extra, list):
                out += _from_requirement_strings(extra, distributions)
    for group in (doc.get("dependency-groups", {}) or {}).values():  # PEP 735
        if isinstance(group, list):
            out += _from_requirement_strings(group, distributions)
    poetry = doc.get("tool", {}).get("poetry", {})
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
        tables += [g.get("dependencies", {}) for g in (poetry.get("group", {}) or {}).values() if isinstance(g, dict)]
        for table in tables:
            if not isinstance(table, dict):
                continue
            for name, value in table.items():
                if normalize_name(name) in distributions:
                    out.append(_poetry_value(value))
    return out


def from_pipfile(data: bytes, distributions: frozenset[str] = TF_DISTRIBUTIONS) -> list[Version | None]:
    import tomllib

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    out: list[Version | None] = []
    for section in ("packages", "dev-packages"):
        for name, value in (doc.get(section, {}) or {}).items():
            if normalize_name(name) in distributions:
                if isinstance(value, dict):
                    value = value.get("version", "*")
                out.append(lower_bound(str(value)))
    return out


def from_setup_cfg(data: bytes, distributions: frozenset[str] = TF_DISTRIBUTIONS) -> list[Version | None]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(data.decode("utf-8", errors="replace"))
    except configparser.Error:
        return []
    lines: list[str] = []
    if parser.has_option("options", "install_requires"):
        lines += parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines += value.splitlines()
    return _from_requirement_strings((l.strip() for l in lines if l.strip()), distributions)


def from_setup_py(data: bytes, distributions: frozenset[str] = TF_DISTRIBUTIONS) -> list[Version | None]:
    """Every string literal in setup.py that is a requirement of `distributions` (parsed with ast, never run).

    Collecting all literals, not only `install_requires=[...]`, also finds the common
    `REQUIRED = ["tensorflow>=2.4"]; setup(install_requires=REQUIRED)` indirection.
    """
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return _from_requirement_strings((s.strip() for s in strings), distributions)


def from_core_metadata(data: bytes, distributions: frozenset[str] = TF_DISTRIBUTIONS) -> list[Version | None]:
    """The `Requires-Dist:` requirements of a built package's core metadata (a wheel's METADATA, an sdist's
    PKG-INFO; the headers end at the first blank line, the long description follows)."""
    headers = data.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n\n", 1)[0]
    return _from_requirement_strings((line.split(":", 1)[1].strip() for line in headers.splitlines()
                                      if line.lower().startswith("requires-dist:")), distributions)


def from_requirements(data: bytes, path: str = "", sources: Mapping[str, bytes] | None = None,
                      _seen: set[str] | None = None,
                      distributions: frozenset[str] = TF_DISTRIBUTIONS) -> list[Version | None]:
    text = data.decode("utf-8", errors="replace").replace("\\\r\n", "").replace("\\\n", "")
    out: list[Version | None] = []
    seen = _seen if _seen is not None else {path}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else re.split(r"\s#", raw, 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r", "--requirement", "-c", "--constraint")):
            # Follow includes within the given files (`-r base.txt`), once each.
            target = line.split(None, 1)[1].strip() if " " in line else line[2:].strip()
            if line.startswith("--") and "=" in line.split(None, 1)[0]:
                target = line.split("=", 1)[1].strip()
            included = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if sources is not None and included in sources and included not in seen:
                seen.add(included)
                out += from_requirements(sources[included], included, sources, seen, distributions)
            continue
        if line.startswith("-"):
            continue  # -e, --index-url, --hash ...
        line = re.split(r"\s+--?[A-Za-z]", line, 1)[0]  # per-requirement options: --hash=..., --config-settings
        found = requirement_min(line, distributions)
        if found is not False:
            out.append(found)  # type: ignore[arg-type]
    return out


def from_environment_yml(data: bytes, distributions: frozenset[str] = TF_DISTRIBUTIONS) -> list[Version | None]:
    """Conda `dependencies:` items (`tensorflow=2.12`, `tensorflow>=2.10`, `conda-forge::tensorflow 2.12.*`)
    and their `pip:` sub-list (PEP 508)."""
    out: list[Version | None] = []
    for raw in data.decode("utf-8", errors="replace").splitlines():
        match = re.match(r"^\s*-\s+(.+?)\s*$", raw)
        if not match:
            continue
        item = match.group(1).strip().strip("'\"")
        item = item.split(" #", 1)[0].strip()
        if "::" in item:
            item = item.split("::", 1)[1]
        name_match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", item)
        if not name_match or normalize_name(name_match.group(1)) not in distributions:
            continue
        spec = name_match.group(2).strip()
        spec = re.sub(r"\s+\S+$", "", spec) if re.match(r"^[\d.*]+\s+\S+$", spec) else spec  # drop a build string
        spec = spec.split(";", 1)[0]
        # conda's `=2.12` and `2.12.*` mean "2.12 and its patch releases": a bare version is a minimum.
        out.append(lower_bound(spec, bare_is_exact=True))
    return out


def _kind(path: str) -> str | None:
    name = posixpath.basename(path).lower()
    if name.endswith(".py") and name != "setup.py":
        return None  # nearly every file of a run: answered before the patterns below
    if name == "pyproject.toml":
        return "pyproject"
    if name == "setup.cfg":
        return "setup.cfg"
    if name == "setup.py":
        return "setup.py"
    if name == "pipfile":
        return "pipfile"
    if (name == "metadata" and posixpath.dirname(path).endswith(".dist-info")) or name == "pkg-info":
        return "core-metadata"
    if name in ("environment.yml", "environment.yaml") or re.match(r"^environment[-_.].*\.ya?ml$", name):
        return "environment"
    if re.match(r"^requirements.*\.(txt|in)$", name) or (
        posixpath.basename(posixpath.dirname(path)).lower() == "requirements" and name.endswith((".txt", ".in"))
    ):
        return "requirements"
    return None


def declared_min_tf_version(sources: Mapping[str, bytes]) -> Version | None:
    """The lowest TensorFlow version the project's declared dependencies allow, or None when unknown."""
    return declared_min_version(sources, TF_DISTRIBUTIONS)


def declared_min_version(sources: Mapping[str, bytes], distributions: frozenset[str]) -> Version | None:
    """The lowest version of `distributions` (TensorFlow's, PyTorch's) the project's declared dependencies
    allow, or None when unknown.

    Only metadata files at the shallowest depth where any exists are read (a monorepo's root declares the
    project; `examples/*/requirements.txt` do not). Every TensorFlow requirement found there must have a
    lower bound: one bare `tensorflow` (or `<3`-only) requirement makes the minimum unknown, because that
    file allows any TensorFlow. A project that does not name the distribution at all: unknown too. Otherwise the smallest lower bound wins (`tensorflow>=2.12` for Linux and
    `tensorflow-macos>=2.9` for macOS means 2.9).
    """
    metadata = [(p, k) for p in sources if (k := _kind(p)) is not None]
    if not metadata:
        return None
    depth = min(_depth(p) for p, _ in metadata)
    found: list[Version | None] = []
    for path, kind in sorted(metadata):
        if _depth(path) != depth:
            continue
        data = sources[path]
        if kind == "pyproject":
            found += from_pyproject(data, distributions)
        elif kind == "setup.cfg":
            found += from_setup_cfg(data, distributions)
        elif kind == "setup.py":
            found += from_setup_py(data, distributions)
        elif kind == "pipfile":
            found += from_pipfile(data, distributions)
        elif kind == "environment":
            found += from_environment_yml(data, distributions)
        elif kind == "core-metadata":
            found += from_core_metadata(data, distributions)
        else:
            found += from_requirements(data, path, sources, distributions=distributions)
    if not found or any(v is None for v in found):
        return None
    return min(v for v in found if v is not None)


def _depth(path: str) -> int:
    parts = path.split("/")
    # requirements/base.txt belongs to the directory above it, as a wheel's name.dist-info/METADATA does.
    if len(parts) >= 2 and (parts[-2].lower() == "requirements" or parts[-2].endswith(".dist-info")):
        return len(parts) - 2
    return len(parts) - 1


__all__ = [
    "JIT_COMPILE_SINCE", "REDUCE_RETRACING_SINCE", "RUN_FUNCTIONS_EAGERLY_SINCE", "TF_DISTRIBUTIONS",
    "TORCH_DISTRIBUTIONS", "TORCH_LOAD_WEIGHTS_ONLY_SINCE", "Version", "declared_min_tf_version",
    "declared_min_version", "lower_bound", "requirement_min", "supports", "version_text",
]
