"""One source file as the fixers see it: decoded text, positions, a lazily parsed libcst tree, and the
byte-exact application of edits.

Edits are applied to the original *bytes*: every byte outside an edited range is copied, never
re-encoded, so a BOM, a PEP 263 coding cookie with its encoding, CRLF or lone-CR line endings, tabs and
trailing whitespace survive untouched. Positions follow `analysis.model.Edit`: 1-based lines, 0-based
columns counted in characters of the decoded text (the BOM is not part of the text).
"""
from __future__ import annotations

import ast
import bisect
import codecs
import difflib
import io
import re
import tokenize
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from ..model import Edit, Finding

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange

# Python's own line terminators (the tokenizer's): a form feed or U+2028 does not end a line, unlike
# str.splitlines().
_LINE_END = re.compile(r"\r\n|\r|\n")


# The libcst trees this process parsed last, by text, up to this much source in all. A pull-request job
# parses its changed files for the review's suggestions and again for the follow-up's fix engine, in
# two calls that the App's pool runs in one worker process when it has one idle (always with WORKERS=1):
# the second call then takes the trees from here. libcst trees are immutable, so sharing one between
# documents changes no result; a tree costs about 50 times its source in memory (49x measured on a
# bench/pr_latency.py module), hence the bound: about 20 MB per process.
TREE_MEMO_CHARS = 400_000
_TREES: "OrderedDict[str, cst.Module]" = OrderedDict()


def parsed_module(text: str) -> "cst.Module":
    """`libcst.parse_module(text)`, or the tree this process parsed last for the same text."""
    module = _TREES.get(text)
    if module is not None:
        _TREES.move_to_end(text)
        return module
    import libcst as cst

    module = cst.parse_module(text)
    if len(text) <= TREE_MEMO_CHARS:
        _TREES[text] = module
        total = sum(len(t) for t in _TREES)
        while total > TREE_MEMO_CHARS:
            oldest, _tree = _TREES.popitem(last=False)
            total -= len(oldest)
    return module


class CannotFix(Exception):
    """The fix is withheld; the message says why in one sentence (shown as "fix withheld: <why>")."""


@dataclass
class Document:
    path: str
    data: bytes
    text: str
    encoding: str
    bom: bytes
    newline: str
    line_starts: list[int]
    _module: "cst.Module | None" = field(default=None, repr=False)
    _metadata: dict = field(default_factory=dict, repr=False)

    # ---- construction --------------------------------------------------------------------------
    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> "Document":
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            codecs.lookup(encoding)
        except (SyntaxError, LookupError) as exc:
            raise CannotFix(f"cannot decode the file: {exc}") from None
        bom = b""
        if encoding == "utf-8-sig":
            encoding = "utf-8"
            if data.startswith(codecs.BOM_UTF8):
                bom = codecs.BOM_UTF8
        try:
            text = data[len(bom):].decode(encoding)
        except UnicodeDecodeError as exc:
            raise CannotFix(f"cannot decode the file as {encoding}: {exc.reason}") from None
        if text.encode(encoding) != data[len(bom):]:
            # Only then can bytes outside an edit be copied through offsets computed on the text.
            raise CannotFix(f"the file's {encoding} encoding does not round-trip byte for byte")
        match = _LINE_END.search(text)
        newline = match.group(0) if match else "\n"
        starts = [0] + [m.end() for m in _LINE_END.finditer(text)]
        return cls(path, data, text, encoding, bom, newline, starts)

    # ---- positions -----------------------------------------------------------------------------
    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def offset(self, line: int, col: int) -> int:
        """Character offset of a (1-based line, 0-based character column)."""
        if line < 1:
            return 0
        if line > len(self.line_starts):
            return len(self.text)
        return min(self.line_starts[line - 1] + col, len(self.text))

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index]

    def line_text(self, line: int) -> str:
        """The line without its terminator."""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        return _LINE_END.sub("", self.text[start:end])

    def line_indent(self, line: int) -> str:
        text = self.line_text(line)
        return text[: len(text) - len(text.lstrip(" \t\f"))]

    def char_col(self, line: int, utf8_col: int) -> int:
        """`ast` columns count UTF-8 bytes; the edits count characters."""
        if not 1 <= line <= len(self.line_starts):
            return utf8_col
        raw = self.line_text(line).encode("utf-8")
        return len(raw[:utf8_col].decode("utf-8", errors="ignore"))

    def finding_start(self, finding: Finding) -> tuple[int, int]:
        """A finding's start as (line, character column)."""
        return finding.line, self.char_col(finding.line, max(0, finding.col - 1))

    def finding_end(self, finding: Finding) -> tuple[int, int]:
        return finding.end_line, self.char_col(finding.end_line, max(0, finding.end_col - 1))

    # ---- libcst ----------------------------------------------------------------------------------
    @property
    def module(self) -> "cst.Module":
        if self._module is None:
            # A file libcst cannot take is refused once: every later fixer of a batch gets the same reason
            # without parsing it again.
            refused = self._metadata.get("libcst_refused")
            if refused is not None:
                raise CannotFix(refused)
            import libcst as cst

            try:
                module = parsed_module(self.text)
            except (cst.ParserSyntaxError, RecursionError) as exc:
                self._metadata["libcst_refused"] = f"libcst cannot parse the file: {str(exc).splitlines()[0]}"
                raise CannotFix(self._metadata["libcst_refused"]) from None
            self._module = module
        return self._module

    def _require_round_trip(self) -> None:
        """Whole-module results (every node's position, a rewritten module's text) are exact only if libcst
        reproduces the file: checked once, when first needed. Positions resolved per statement check
        their own statement instead (`_resolve_statement`), which costs a fraction of generating the
        whole module's code."""
        if "round_trip" not in self._metadata:
            self._metadata["round_trip"] = self.module.code == self.text
        if not self._metadata["round_trip"]:
            raise CannotFix("libcst does not reproduce the file exactly")

    def metadata(self, provider: type) -> dict:
        if provider not in self._metadata:
            from libcst.metadata import MetadataWrapper

            self._require_round_trip()
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._metadata[provider] = wrapper.resolve(provider)
        return self._metadata[provider]

    def range_of(self, node: "cst.CSTNode") -> "CodeRange":
        """The node's position in the file.

        Resolved for the top-level statement holding the node, not the whole module: libcst's
        PositionProvider generates the code of everything it resolves (the largest cost of a fix on a large
        file), and a fixer looks at one statement or a few. A node outside every top-level statement (the
        module's header and footer lines), or a statement whose place cannot be confirmed, falls back to
        resolving the whole module.
        """
        from libcst.metadata import CodePosition, CodeRange, PositionProvider

        index = self._metadata.get("statement_of", {}).get(node)
        scoped = self._statement_positions(index) if index is not None else None
        if scoped is None:
            return self.metadata(PositionProvider)[node]
        positions, offset = scoped
        rng = positions[node]
        return CodeRange(CodePosition(rng.start.line + offset, rng.start.column),
                         CodePosition(rng.end.line + offset, rng.end.column))

    def _statement_positions(self, index: int) -> "tuple[dict, int] | None":
        """PositionProvider of `module.body[index]` alone and the lines before it in the file, or None when
        where it starts cannot be confirmed against the text."""
        key = ("statement_positions", index)
        if key not in self._metadata:
            self._metadata[key] = self._resolve_statement(index)
        return self._metadata[key]

    def _resolve_statement(self, index: int) -> "tuple[dict, int] | None":
        import libcst as cst
        from libcst.metadata import MetadataWrapper, PositionProvider

        module = self.module
        first = self._statement_first_lines()
        if first is None or index >= len(first):
            return None
        statement = module.body[index]
        # The statement's own lines start at the `ast` start line; its leading blank and comment lines
        # (one line each) come before, and the sub-module below generates them first.
        offset = first[index] - 1 - len(statement.leading_lines)
        alone = cst.Module(body=[statement], header=[], footer=[], encoding=module.encoding,
                           default_indent=module.default_indent, default_newline=module.default_newline,
                           has_trailing_newline=True)
        code = alone.code
        if offset < 0 or offset >= len(self.line_starts):
            return None
        start = self.line_starts[offset]
        segment = self.text[start:start + len(code)]
        at_end = start + len(segment) == len(self.text) and code[len(segment):] in ("\n", "\r\n", "\r")
        if segment != code and not (at_end and code.startswith(segment)):
            return None
        return MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider), offset

    def _statement_first_lines(self) -> "list[int] | None":
        """The first line (1-based, decorators included, leading comments not) of each statement of
        `module.body`, from the `ast` (one libcst simple-statement line holds one `ast` statement per
        `;`-separated part); None if the two parsers disagree on the statements."""
        if "statement_first_lines" not in self._metadata:
            import libcst as cst

            try:
                tree_body = self.tree.body
            except CannotFix:
                tree_body = []
            lines: list[int] | None = []
            pos = 0
            for statement in self.module.body:
                if pos >= len(tree_body):
                    lines = None
                    break
                node = tree_body[pos]
                decorators = getattr(node, "decorator_list", None) or []
                lines.append(min([node.lineno] + [d.lineno for d in decorators]))
                pos += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
            if lines is not None and pos != len(tree_body):
                lines = None
            self._metadata["statement_first_lines"] = lines
        return self._metadata["statement_first_lines"]

    def code_for(self, node: "cst.CSTNode") -> str:
        return self.module.code_for_node(node)

    def nodes(self, kind: type, lines: "tuple[int, int] | None" = None) -> list:
        """Every libcst node of a type, in source order; with `lines` (first, last; 1-based), only those in
        the top-level statements that touch those lines.

        Computed from one walk per top-level statement, shared by every type: a walk of a large module costs
        tens of milliseconds, a filter far less, and a fixer that `pick`s the node a finding is about
        needs only the statements the finding touches (`nodes_near`)."""
        if lines is not None:
            return [node for index in self._statements_touching(*lines)
                    for node in self._statement_nodes(index) if isinstance(node, kind)]
        key = ("nodes", kind)
        if key not in self._metadata:
            self._metadata[key] = [node for node in self._all_nodes() if isinstance(node, kind)]
        return self._metadata[key]

    def nodes_near(self, kind: type, finding: Finding) -> list:
        """The nodes of a type `locate.pick` can choose for the finding: those in the top-level statements
        its lines touch."""
        return self.nodes(kind, (finding.line, max(finding.line, finding.end_line)))

    def _all_nodes(self) -> list:
        """Every libcst node of the module in source order (pre-order, as a CSTVisitor sees them)."""
        if "all_nodes" not in self._metadata:
            module = self.module
            found: list = [module]
            for line in module.header:
                found += _walk(line)
            for index in range(len(module.body)):
                found += self._statement_nodes(index)
            for line in module.footer:
                found += _walk(line)
            self._metadata["all_nodes"] = found
        return self._metadata["all_nodes"]

    def _statement_nodes(self, index: int) -> list:
        """The nodes of `module.body[index]` in pre-order; records the statement of each (for `range_of`)."""
        key = ("statement_nodes", index)
        if key not in self._metadata:
            found = _walk(self.module.body[index])
            statement_of = self._metadata.setdefault("statement_of", {})
            for node in found:
                statement_of[node] = index
            self._metadata[key] = found
        return self._metadata[key]

    def _statements_touching(self, first: int, last: int) -> range | list[int]:
        """Indexes of the top-level statements whose lines overlap first..last (all of them when the
        statements' lines are not known)."""
        body = self.module.body
        starts = self._statement_first_lines()
        if starts is None:
            return range(len(body))
        out = []
        for index, start in enumerate(starts):
            end = starts[index + 1] - 1 if index + 1 < len(starts) else self.line_count
            if start <= last and first <= max(start, end):
                out.append(index)
        return out

    @property
    def tree(self) -> ast.Module:
        """The stdlib `ast` of the text (for name resolution; libcst is for positions and rewriting)."""
        if "ast" not in self._metadata:
            try:
                self._metadata["ast"] = ast.parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                raise CannotFix(f"the file does not parse: {exc}") from None
        return self._metadata["ast"]

    @property
    def ast_parents(self) -> dict[ast.AST, ast.AST]:
        """Each `ast` node's parent (computed once per document, shared by the fixers of its findings)."""
        if "ast_parents" not in self._metadata:
            parents: dict[ast.AST, ast.AST] = {}
            for parent in ast.walk(self.tree):
                for child in ast.iter_child_nodes(parent):
                    parents[child] = parent
            self._metadata["ast_parents"] = parents
        return self._metadata["ast_parents"]

    # ---- edits -------------------------------------------------------------------------------------
    def edit_for_range(self, rng: "CodeRange", text: str) -> Edit:
        return Edit(rng.start.line, rng.start.column, rng.end.line, rng.end.column, text)

    def edit_between(self, start: int, end: int, text: str) -> Edit:
        (line, col), (end_line, end_col) = self.position(start), self.position(end)
        return Edit(line, col, end_line, end_col, text)

    def edits_from_rewrite(self, new_text: str) -> tuple[Edit, ...]:
        """Whole-line edits turning this text into `new_text` (for structural rewrites done by libcst)."""
        self._require_round_trip()  # else the diff would also undo what libcst did not reproduce
        old_lines = _split_keepends(self.text)
        new_lines = _split_keepends(new_text)
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        edits = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            start = self.line_starts[i1] if i1 < len(self.line_starts) else len(self.text)
            end = self.line_starts[i2] if i2 < len(old_lines) else len(self.text)
            edits.append(self.edit_between(start, end, "".join(new_lines[j1:j2])))
        return tuple(edits)

    def span(self, edit: Edit) -> tuple[int, int]:
        return self.offset(edit.line, edit.col), self.offset(edit.end_line, edit.end_col)

    def apply(self, edits: Iterable[Edit]) -> bytes:
        """The file's bytes with non-overlapping edits applied; everything else copied byte for byte."""
        spans = sorted(((*self.span(e), e.text) for e in edits), key=lambda s: (s[0], s[1]))
        out = [self.bom]
        char_pos, byte_pos = 0, len(self.bom)
        for start, end, text in spans:
            if start < char_pos:
                raise CannotFix("two edits of one fix overlap")
            byte_start = byte_pos + len(self.text[char_pos:start].encode(self.encoding))
            byte_end = byte_start + len(self.text[start:end].encode(self.encoding))
            out.append(self.data[byte_pos:byte_start])
            try:
                out.append(text.encode(self.encoding))
            except UnicodeEncodeError:
                raise CannotFix(f"the replacement text cannot be written in the file's {self.encoding} encoding") from None
            char_pos, byte_pos = end, byte_end
        out.append(self.data[byte_pos:])
        return b"".join(out)

    def apply_text(self, edits: Sequence[Edit]) -> str:
        spans = sorted(((*self.span(e), e.text) for e in edits), key=lambda s: (s[0], s[1]))
        parts, pos = [], 0
        for start, end, text in spans:
            parts.append(self.text[pos:start])
            parts.append(text)
            pos = end
        parts.append(self.text[pos:])
        return "".join(parts)


class Documents:
    """One `Document` per path of `sources`, made on first use and shared by every fixer that asks for it:
    the fixers of one file's findings then parse it with libcst once. Fixers only add to a document's
    caches (libcst trees are immutable, transformers return new ones), so sharing changes no result.
    A file that cannot be decoded raises the same `CannotFix` for every finding in it."""

    def __init__(self, sources: Mapping[str, bytes]) -> None:
        self._sources = sources
        self._docs: dict[str, Document | CannotFix] = {}

    def get(self, path: str) -> Document:
        """The document of `path` (KeyError when `sources` has no such path)."""
        if path not in self._docs:
            try:
                self._docs[path] = Document.from_bytes(path, self._sources[path])
            except CannotFix as exc:
                self._docs[path] = exc
        doc = self._docs[path]
        if isinstance(doc, CannotFix):
            raise CannotFix(str(doc))
        return doc


def _walk(root: "cst.CSTNode") -> list:
    """`root` and every node below it, in pre-order (source order)."""
    import libcst as cst

    found: list = []

    class _Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return True

    root.visit(_Collect())
    return found


def _split_keepends(text: str) -> list[str]:
    lines, pos = [], 0
    for match in _LINE_END.finditer(text):
        lines.append(text[pos:match.end()])
        pos = match.end()
    if pos < len(text):
        lines.append(text[pos:])
    return lines


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Half-open ranges overlap; two insertions at one point count as overlapping (their order is unknown)."""
    if a[0] == a[1] == b[0] == b[1]:
        return True
    return a[0] < b[1] and b[0] < a[1]


def shift_position(doc: Document, edits: Sequence[Edit], line: int, col: int) -> tuple[int, int]:
    """Where (line, col) of `doc` lands after the edits (positions inside an edit map to its start)."""
    offset = doc.offset(line, col)
    delta = 0
    for edit in edits:
        start, end = doc.span(edit)
        if end <= offset:
            delta += len(edit.text) - (end - start)
        elif start < offset:
            offset = start
    new_offset = offset + delta
    new_text = doc.apply_text(list(edits))
    starts = [0] + [m.end() for m in _LINE_END.finditer(new_text)]
    index = bisect.bisect_right(starts, new_offset) - 1
    return index + 1, new_offset - starts[index]
