"""Per-name interface digests: what one module's findings can read of a neighbouring module.

A module's context signature (signature.py) holds, for every module it is linked to (by calls either
way, or by an import), a digest of that neighbour. Digesting the neighbour's whole facts re-checked
every importer of a module whenever anything in it changed, a function nobody uses included (15
modules re-checked after appending one function to a tf-models file, issue 11). Here a module's facts
are cut into one group per top-level name, plus the rest, and a module depends only on the rest and on
the groups it can reach: `view`.

The groups (`cut`), keyed by a top-level name `n` of the module:
- the function records whose qualified name starts with `n` (`n`, `n.method`, `n.<locals>.inner`:
  methods and nested functions go with their top-level owner), and the entries for `n` in `top`,
  `imports` (every module-level binding is there, `X = ...` included), `aliases`, `classes`, and the
  nested classes whose qualified name starts with `n`.
- The rest is everything else, digested whole: the module's own record (`<module>`: its module-level
  calls and effects), `all`, `stars`, `hsites`, its name and package flag, and any record whose name is
  not a top-level name (a module-level lambda). Only `lines` is left out, as the whole-module digest
  (`pipeline/modules.py interface_digest`) left it out: appending a comment changes nobody's findings.

The audit: why a module M can read nothing of a neighbour N outside `view(M, N)`. Rules see another
module only through the Project (analysis/project.py) and the whole-repository facts (api.py):
1. Resolution: `resolve_callee`, `callees`, `lookup_qualified` and the call edges resolve a name written
   in M (a call, an import, a base class, a decorator, an alias) into N. Every name M's code resolves is
   in M's facts as a string (calls keep their raw dotted name and resolved target, imports their
   targets, classes their base names), and `cut` collects every string of M's facts, split at dots
   (`ModuleInterface.names`). So a top-level name of N that M can resolve is in M's names, and its
   group is in the view. A star
   import of N brings every name: the view then holds every group.
2. Call edges: `callers_of`, `call_sites` and the fixpoints follow edges between M's functions and N's.
   The signature passes the top-level names of the N functions at the other end of M's edges
   (`edge_names`), so their groups are in the view even when M never writes the name (a method reached
   through `self`, a callback, an inherited method).
3. Inside N: a group that M reaches may read other names of N (a function calling a helper of its own
   module, a class whose base is in N, a re-export). The view closes the used names over what each group
   mentions (`refs`), so the helper's group is in the view too.
4. Facts that walk further than a neighbour (graph context and call paths, side effects, parameter
   kinds, callers' graph membership) are in M's own signature parts (signature.py), computed by the
   fixpoints over the whole repository; the whole-module digest of a neighbour did not cover more than
   one link either.
What is left out is therefore only the groups of N that M neither names, nor is linked to by an edge,
nor reaches through N's own names: a function added to N that nothing mentions changes no view but N's.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..cache import digest

# The module fields cut by top-level name; the others are digested whole into the rest.
_GROUPED = ("top", "imports", "aliases", "classes", "nclasses")
# `ar` (attribute names read, attribute_uses.py) is left out too: no rule reads a neighbour's own reads; the
# project-wide count they make is in the signature of each module whose stores it decides (signature.py).
_LEFT_OUT = frozenset({"lines", "ar", "fns", *_GROUPED})


_SCALARS = frozenset({int, bool, float, type(None), bytes})


def collect_names(value: Any, out: set[str]) -> None:
    """Add every string in plain data (dict keys included), split at dots, to `out`.

    A loop over a stack with exact type tests: it walks every module's whole facts on a first cached
    run, and this took 0.44 s where the recursive isinstance walk took 1.0 s (tf-models, 1,250 modules)."""
    stack = [value]
    pop, extend, add, update = stack.pop, stack.extend, out.add, out.update
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            if "." in item:
                update(item.split("."))
            else:
                add(item)
        elif kind is tuple or kind is list:
            extend(item)
        elif kind is dict:
            extend(item.keys())
            extend(item.values())
        elif kind in _SCALARS:
            continue
        elif isinstance(item, str):  # subclasses (rare): as above
            update(item.split("."))
        elif isinstance(item, (tuple, list, frozenset, set)):
            extend(item)
        elif isinstance(item, dict):
            extend(item.keys())
            extend(item.values())


def owner(qualname: str) -> str:
    """The top-level name a qualified name belongs to (`C.m` -> `C`, `f.<locals>.g` -> `f`)."""
    return qualname.partition(".")[0]


class ModuleInterface:
    """One module's facts cut into groups (see the module docstring): `rest`, `groups` (top-level name ->
    digest), `refs` (top-level name -> the other group names its group mentions), `names` (every string
    of the module's facts, split at dots: for when it is the user) and `stars` (the modules it
    star-imports).

    Pickled as a few strings, unpacked on first use: a project snapshot holds one per module (tf-models:
    1,250 modules, 32,000 groups, 160,000 names) and a warm run reads them all but uses a few dozen."""

    def __init__(self, module: str, rest: str, groups: dict[str, str], refs: dict[str, frozenset[str]],
                 names: frozenset[str], stars: frozenset[str], mentions: frozenset[str] | None = None) -> None:
        self.module, self.rest, self.stars = module, rest, stars
        self._groups: dict[str, str] | None = groups
        self._refs: dict[str, frozenset[str]] | None = refs
        self._names: frozenset[str] | None = names
        self._packed: tuple[str, str] | None = None
        # This module's part of `project_delta.referenced_names`, found by the same walk as `names` (a
        # first cached run walked every module's facts twice); not pickled: only a fresh cut has it.
        self.mentions = mentions

    @property
    def groups(self) -> dict[str, str]:
        if self._groups is None:
            self._unpack_groups()
        return self._groups  # type: ignore[return-value]

    @property
    def refs(self) -> dict[str, frozenset[str]]:
        if self._refs is None:
            self._unpack_groups()
        return self._refs  # type: ignore[return-value]

    @property
    def names(self) -> frozenset[str]:
        if self._names is None:
            text = self._packed[1]  # type: ignore[index]
            self._names = frozenset(text.split("\n")) if text else frozenset()
        return self._names

    def _unpack_groups(self) -> None:
        groups: dict[str, str] = {}
        refs: dict[str, frozenset[str]] = {}
        table = self._packed[0]  # type: ignore[index]
        for line in table.split("\n") if table else ():
            name, group, said = line.split("\t")
            groups[name] = group
            refs[name] = frozenset(said.split(" ")) if said else frozenset()
        self._groups, self._refs = groups, refs

    def __getstate__(self) -> tuple:
        # Group names are identifiers (no tab, space or newline); a name with a newline splits into
        # pieces, which only makes `names` larger (a view that reaches more: never less safe).
        if self._packed is None:
            table = "\n".join(f"{n}\t{d}\t{' '.join(sorted(self.refs[n]))}" for n, d in sorted(self.groups.items()))
            self._packed = (table, "\n".join(sorted(self.names)))
        return (self.module, self.rest, tuple(sorted(self.stars)), self._packed)

    def __setstate__(self, state: tuple) -> None:
        self.module, self.rest, stars, self._packed = state
        self.stars = frozenset(stars)
        self._groups = self._refs = self._names = self.mentions = None


# Fields of a function record that are its own name and place: in `names` (a neighbour reaching the
# record), not in `mentions` (`project_delta.referenced_names` leaves a function's own names out, and the
# attribute names it stores).
_OWN_FIELDS = frozenset({"q", "n", "l", "el", "aw"})  # `aw`: attributes stored, not names resolved
# Module fields of the rest that `mentions` leaves out, as `referenced_names` does.
_UNMENTIONED = frozenset({"path", "v"})


def cut(facts: dict[str, Any]) -> ModuleInterface:
    """The module's groups. `facts` must be whole: a snapshot's copy has lost its functions' raw calls.

    One walk over the facts collects both the cut's `names` (every string) and its `mentions` (the
    strings `project_delta.referenced_names` collects): each piece is walked into the set of the
    narrowest of the two it belongs to, and the `mentions` pieces are added to `names` as well."""
    if any("calls" not in rec for rec in facts["fns"]):
        raise ValueError(f"the facts of {facts['path']} lack their raw calls (a snapshot's copy)")
    items: dict[str, list[tuple]] = {}
    rest_fns: list[dict[str, Any]] = []
    top = facts["top"]
    tops = set(top) | set(facts["imports"]) | set(facts["classes"]) | set(facts["aliases"])
    for index, rec in enumerate(facts["fns"]):
        name = owner(rec["q"])
        if name in tops:
            items.setdefault(name, []).append(("fn", index, rec))
        else:
            rest_fns.append(rec)  # no index: the module's own record, always last, moves with every def
    for field in _GROUPED:
        for key, value in facts[field].items():
            items.setdefault(owner(key), []).append((field, key, value))
    own = facts["module"] + "."
    groups: dict[str, str] = {}
    refs: dict[str, frozenset[str]] = {}
    mentioned: set[str] = set()  # every string of the facts, split at dots (one walk, group by group)
    mentions: set[str] = set()
    for name, group in items.items():
        groups[name] = digest(tuple(group))
        said_items: list = []  # what the group's records say apart from their own names
        plain_items: list = []  # the rest of the group's strings
        for kind, key, value in group:
            plain_items.append(kind)
            if kind == "fn":
                _split_record(value, said_items, plain_items)
            elif kind == "top" or (kind == "imports" and key in top and value == own + key):
                plain_items += (key, value)  # a definition (an own function's binding), not a mention
            else:
                said_items += (key, value)
        said: set[str] = set()
        collect_names(said_items, said)
        mentions |= said
        collect_names(plain_items, said)
        mentioned |= said
        said.discard(name)
        refs[name] = frozenset(said.intersection(items))
    rest_items = tuple((k, v) for k, v in facts.items() if k not in _LEFT_OUT)
    rest = digest(rest_items, tuple(rest_fns))
    said_items, plain_items = [], []
    for key, value in rest_items:
        plain_items.append(key)
        (plain_items if key in _UNMENTIONED else said_items).append(value)
    for rec in rest_fns:
        _split_record(rec, said_items, plain_items)
    said = set()
    collect_names(said_items, said)
    mentions |= said
    collect_names(plain_items, mentioned)
    mentioned |= said
    return ModuleInterface(facts["module"], rest, groups, refs, frozenset(mentioned), frozenset(facts["stars"]),
                           frozenset(mentions))


def _split_record(rec: dict[str, Any], said: list, plain: list) -> None:
    """A function record's values to `said`, except its own names and place, which go to `plain`
    with its field names."""
    plain += rec  # field names: identifiers
    for field, item in rec.items():
        (plain if field in _OWN_FIELDS else said).append(item)


def view(user: ModuleInterface, used: ModuleInterface, edge_names: Iterable[str] = ()) -> tuple:
    """What `user` can read of `used`: the rest's digest and the digests of the groups it reaches."""
    if used.module and used.module in user.stars:
        reach: set[str] = set(used.groups)
    else:
        reach = {n for n in used.groups if n in user.names}
        reach.update(n for n in edge_names if n in used.groups)
        todo = list(reach)
        while todo:
            for n in used.refs[todo.pop()]:
                if n not in reach:
                    reach.add(n)
                    todo.append(n)
    return (used.rest, tuple(sorted((n, used.groups[n]) for n in reach)))


class Interfaces:
    """`cut` of each module of a project, computed once per module on first use.

    A project snapshot keeps its modules' function records without their raw calls (project_facts.py
    `_SNAPSHOT_DROP`), which `cut` needs: a warm run passes the snapshot's cuts (`known`, saved with it)
    and the full facts of the modules it read this run (`fresh`, which win over `known`)."""

    def __init__(self, mods: list[dict[str, Any]], known: Mapping[str, ModuleInterface] | None = None,
                 fresh: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._mods = mods
        self._known = known or {}
        self._fresh = fresh or {}
        self._cut: dict[str, ModuleInterface] = {}

    def of(self, mi: int) -> ModuleInterface:
        path = self._mods[mi]["path"]
        found = self._cut.get(path)
        if found is None:
            facts = self._fresh.get(path)
            if facts is None:
                found = self._known.get(path)
            if found is None:
                found = cut(facts if facts is not None else self._mods[mi])
            self._cut[path] = found
        return found

    def mentions(self) -> frozenset[str] | None:
        """`project_delta.referenced_names` of the project's modules, from their cuts (all of them cut
        first); None when a cut came from a snapshot (`known`: it has no `mentions`)."""
        out: set[str] = set()
        for found in self.every().values():
            if found.mentions is None:
                return None
            out |= found.mentions
        return frozenset(out)

    def every(self) -> dict[str, ModuleInterface]:
        """path -> cut of every module of the project (to save with a snapshot)."""
        for mi in range(len(self._mods)):
            self.of(mi)
        return dict(self._cut)
