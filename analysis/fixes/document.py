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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from ..model import Edit, Finding

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange

# Python's own line terminators (the tokenizer's): a form feed or U+2028 does not end a line, unlike
# str.splitlines().
_LINE_END = re.compile(r"\r\n|\r|\n")


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
                module = cst.parse_module(self.text)
            except (cst.ParserSyntaxError, RecursionError) as exc:
                self._metadata["libcst_refused"] = f"libcst cannot parse the file: {str(exc).splitlines()[0]}"
                raise CannotFix(self._metadata["libcst_refused"]) from None
            if module.code != self.text:
                self._metadata["libcst_refused"] = "libcst does not reproduce the file exactly"
                raise CannotFix(self._metadata["libcst_refused"])
            self._module = module
        return self._module

    def metadata(self, provider: type) -> dict:
        if provider not in self._metadata:
            from libcst.metadata import MetadataWrapper

            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._metadata[provider] = wrapper.resolve(provider)
        return self._metadata[provider]

    def range_of(self, node: "cst.CSTNode") -> "CodeRange":
        from libcst.metadata import PositionProvider

        return self.metadata(PositionProvider)[node]

    def code_for(self, node: "cst.CSTNode") -> str:
        return self.module.code_for_node(node)

    def nodes(self, kind: type) -> list:
        """Every libcst node of a type, in source order (computed once per type, from one walk of the tree
        shared by every type: a walk costs tens of milliseconds on a large file, a filter far less)."""
        key = ("nodes", kind)
        if key not in self._metadata:
            self._metadata[key] = [node for node in self._all_nodes() if isinstance(node, kind)]
        return self._metadata[key]

    def _all_nodes(self) -> list:
        """Every libcst node of the module in source order (pre-order, as a CSTVisitor sees them)."""
        if "all_nodes" not in self._metadata:
            import libcst as cst

            found: list = []

            class _Collect(cst.CSTVisitor):
                def on_visit(self, node: cst.CSTNode) -> bool:
                    found.append(node)
                    return True

            self.module.visit(_Collect())
            self._metadata["all_nodes"] = found
        return self._metadata["all_nodes"]

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
