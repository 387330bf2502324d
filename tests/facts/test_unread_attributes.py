"""HYB002 leaves out a store in graph code to an attribute no code reads (P1-tfmava): the facts behind it
(analysis/facts/attribute_uses.py, attribute_reads.py), what keeps a store reported, and warm runs that
see a read come or go in a module the storing one is not linked to."""
from __future__ import annotations

from pathlib import Path

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.run import analyze_sources

from .helpers import files, repo

TRAINER = """
    import tensorflow as tf


    class Trainer:
        def __init__(self, model):
            self._model = model

        @tf.function
        def step(self, x):
            loss = tf.reduce_mean(self._model(x))
            self.last_loss = loss
            return loss
"""
# Nothing links these to trainer.py: no import of it, no call into it.
OTHER = """
    def describe(obj, logger):
        logger.write(obj.name)
"""
READER = """
    def describe(obj, logger):
        logger.write(obj.last_loss)
"""


def _hyb002(spec: dict[str, str], cache: AnalysisCache | None = None) -> list[tuple[str, int]]:
    result = analyze_sources(files(spec), cache=cache)
    return [(f.path, f.line) for f in result.findings if f.code == "HYB002"]


def test_the_facts_record_reads_stores_and_dynamic_access() -> None:
    facts = repo({"m.py": """
        import pickle


        class Box:
            size = property(lambda self: self._size)

            def __init__(self, n=DEFAULTS.count):
                self._size = n
                self.seen += 1

            def grow(self, other):
                self.items = other.data.values
                getattr(self, "hidden")
                del self.gone
                return hasattr(other, "spec.shape")

            def dump(self, path):
                pickle.dump(self, path)


        def lookup(obj, name):
            return getattr(obj, name)
    """})
    pf = facts.pf
    mod = pf.mods[pf.by_path["m.py"]]
    # Loads (inner links of a chain too, `pickle.dump`), `+=` targets, string arguments split at dots, the
    # class body and the default; not the plain stores (`_size` only by the property, `items`, `gone`).
    assert mod["ar"] == ["_size", "count", "data", "dump", "hidden", "seen", "shape", "spec", "values"]
    by_name = {rec["q"]: rec for rec in mod["fns"]}
    assert by_name["Box.__init__"]["aw"] == ["_size", "seen"]
    assert by_name["Box.grow"]["aw"] == ["items"]
    assert "aw" not in by_name["Box.dump"] and "aw" not in by_name["lookup"]
    assert [q for q, rec in by_name.items() if rec.get("dyn")] == ["Box.dump", "lookup"]
    assert pf.attr_reads["values"] == 1 and "items" not in pf.attr_reads


def test_an_attribute_nothing_reads_is_not_reported() -> None:
    assert _hyb002({"trainer.py": TRAINER, "other.py": OTHER}) == []


def test_a_read_anywhere_keeps_the_store_reported() -> None:
    # By its name on any object, in a module that is not linked to the storing one...
    assert _hyb002({"trainer.py": TRAINER, "other.py": READER}) == [("trainer.py", 11)]
    # ... or as a string handed to a call (getattr, hasattr, a helper of the project's own).
    named = OTHER + "\n    def fetch(obj):\n        return getattr(obj, 'last_loss')\n"
    assert _hyb002({"trainer.py": TRAINER, "other.py": named}) == [("trainer.py", 11)]


def test_reads_by_computed_name_keep_the_store_reported() -> None:
    # In the storing module (any function there may be handed the object).
    dynamic = TRAINER + "\n\n    def dump(obj):\n        return dict(obj.__dict__)\n"
    assert _hyb002({"trainer.py": dynamic, "other.py": OTHER}) == [("trainer.py", 11)]
    # In a subclass elsewhere (its `vars(self)` sees the attributes of the base's methods too).
    sub = "from trainer import Trainer\n\n\nclass Logged(Trainer):\n    def state(self):\n        return vars(self)\n"
    assert _hyb002({"trainer.py": TRAINER, "logged.py": sub}) == [("trainer.py", 11)]
    # In an unrelated class's method, it does not.
    unrelated = "class Config:\n    def keys(self):\n        return list(vars(self))\n"
    assert _hyb002({"trainer.py": TRAINER, "config.py": unrelated}) == []


def test_a_base_outside_the_project_keeps_the_store_reported() -> None:
    # tf.Module, Keras and other library bases read attributes by their own names.
    module = TRAINER.replace("class Trainer:", "class Trainer(tf.Module):")
    assert _hyb002({"trainer.py": module, "other.py": OTHER}) == [("trainer.py", 11)]
    neutral = TRAINER.replace("class Trainer:", "class Trainer(abc.ABC):").replace(
        "import tensorflow as tf\n", "import abc\n    import tensorflow as tf\n")
    assert _hyb002({"trainer.py": neutral, "other.py": OTHER}) == []


def test_warm_runs_see_a_read_come_and_go_in_an_unlinked_module(tmp_path: Path) -> None:
    for name, before, after, expected in (("came", OTHER, READER, [("trainer.py", 11)]),
                                          ("went", READER, OTHER, [])):
        cache = AnalysisCache(tmp_path / name)
        assert _hyb002({"trainer.py": TRAINER, "other.py": before}, cache) != expected
        cache.reset_stats()
        assert _hyb002({"trainer.py": TRAINER, "other.py": after}, cache) == expected
        assert cache.stats.snapshot_deltas == 1  # brought up to date, not recomputed
        # trainer.py's bytes are unchanged, but its signature holds its unread stores.
        assert cache.stats.checked_paths == ["other.py", "trainer.py"]
