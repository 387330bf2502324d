"""Positions resolved per top-level statement (`Document.range_of`) and nodes limited to the statements a
finding touches (`Document.nodes(kind, lines)`): the same answers as libcst on the whole module."""
from __future__ import annotations

import libcst
import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from hybridize_bot.analysis.fixes.document import Document

SOURCE = (
    "#!/usr/bin/env python\n"
    "# a header comment\n"
    "\n"
    "import os; import sys\n"
    "# leading comment of f\n"
    "@decorator  # trailing\n"
    "# between decorators\n"
    "@other(\n"
    "    1)\n"
    "def f(x):\n"
    "\treturn x  # tab-indented\n"
    "\n"
    "\n"
    "class C:\n"
    "    def m(self): return 'é'\n"
    "\n"
    "if os: y = 1; z = sys\n"
    "value = [\n"
    "    'last',\n"
    "]\n"
    "# a footer comment\n"
)
VARIANTS = {
    "lf": SOURCE,
    "crlf": SOURCE.replace("\n", "\r\n"),
    "no trailing newline": SOURCE.replace("\n# a footer comment\n", ""),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_node_has_the_position_libcst_gives_on_the_whole_module(name: str) -> None:
    doc = Document.from_bytes("m.py", VARIANTS[name].encode("utf-8"))
    whole = MetadataWrapper(doc.module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [n for n in doc.nodes(cst.CSTNode) if n in whole]
    assert len(nodes) > 100
    mismatched = [(type(n).__name__, doc.range_of(n), whole[n]) for n in nodes if doc.range_of(n) != whole[n]]
    assert mismatched == []


def _position(doc: Document, node: cst.CSTNode) -> tuple[int, int, int, int]:
    rng = doc.range_of(node)
    return rng.start.line, rng.start.column, rng.end.line, rng.end.column


def test_positions_written_out_each_resolved_on_its_own_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    resolved: list[int] = []  # statements in each module libcst resolves positions for
    real_resolve = MetadataWrapper.resolve

    def counting_resolve(self: MetadataWrapper, provider: type) -> object:
        resolved.append(len(self.module.body))
        return real_resolve(self, provider)

    monkeypatch.setattr(MetadataWrapper, "resolve", counting_resolve)
    doc = Document.from_bytes("m.py", SOURCE.encode("utf-8"))
    names: dict[str, cst.Name] = {}
    for name in doc.nodes(cst.Name):
        names.setdefault(name.value, name)  # the first occurrence
    assert _position(doc, names["sys"]) == (4, 18, 4, 21)
    assert _position(doc, names["other"]) == (8, 1, 8, 6)
    assert _position(doc, names["f"]) == (10, 4, 10, 5)
    assert _position(doc, names["m"]) == (15, 8, 15, 9)
    assert _position(doc, names["z"]) == (17, 14, 17, 15)
    (value,) = [a for a in doc.nodes(cst.Assign) if isinstance(a.targets[0].target, cst.Name)
                and a.targets[0].target.value == "value"]
    assert _position(doc, value.value) == (18, 8, 20, 1)
    assert resolved == [1] * 5  # `import os; import sys`, f, C, the `if`, `value = [...]`: never all 5 at once


def test_nodes_limited_to_lines_come_from_the_statements_touching_them() -> None:
    doc = Document.from_bytes("m.py", SOURCE.encode("utf-8"))
    # Line 9 is inside f's decorators: all of f's statement, nothing of the others, in source order.
    assert [n.value for n in doc.nodes(cst.Name, (9, 9))] == ["decorator", "other", "f", "x", "x"]
    assert [n.value for n in doc.nodes(cst.Name, (15, 17))] == ["C", "m", "self", "os", "y", "z", "sys"]
    assert [n.value for n in doc.nodes(cst.Name, (19, 19))] == ["value"]
    # Without lines: every node of the module, the header's and footer's included.
    assert [n.value for n in doc.nodes(cst.Name)][:3] == ["os", "sys", "decorator"]
    assert [c.value for c in doc.nodes(cst.Comment)] == [
        "#!/usr/bin/env python", "# a header comment", "# leading comment of f", "# trailing",
        "# between decorators", "# tab-indented", "# a footer comment"]


def test_a_statement_libcst_does_not_reproduce_withholds_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from hybridize_bot.analysis.fixes.engine import with_edits
    from hybridize_bot.analysis.pipeline.run import analyze_sources

    source = b"import tensorflow as tf\n\n@tf.function\ndef f(x):\n    print('x', x)\n    return x\n"
    (finding,) = [f for f in analyze_sources({"m.py": source}).findings if f.code == "HYB001"]
    real_parse = libcst.parse_module
    # A parse whose tree prints the statement differently (one space more) stands for a libcst bug.
    monkeypatch.setattr(libcst, "parse_module",
                        lambda text, *a, **k: real_parse(text.replace("print('x', x)", "print('x',  x)"), *a, **k))
    (result,) = with_edits([finding], {"m.py": source})
    assert result.fix is not None and result.fix.edits == ()
    assert result.fix.reason == "fix withheld: libcst does not reproduce the file exactly"
