"""Byte-exact edit application: everything outside an edit survives, whatever the file's conventions."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.fixes.document import CannotFix, Document, shift_position, spans_overlap
from hybridize_bot.analysis.model import Edit


def test_bytes_outside_the_edit_are_copied_for_every_convention() -> None:
    # BOM, CRLF, a lone CR, a form feed (not a line break for Python), tabs, trailing spaces, non-ASCII.
    data = "\ufeffx = 1\r\ny = 'é'\rz = 2 \t\n\x0c\nw = f(a, key=3)".encode("utf-8")
    doc = Document.from_bytes("m.py", data)
    assert doc.bom and doc.newline == "\r\n"
    line = 5  # lines: 1 x, 2 y (ends with lone CR), 3 z, 4 form feed, 5 w
    col = doc.line_text(line).index("key")
    fixed = doc.apply([Edit(line, col, line, col + 3, "other")])
    assert fixed == data.replace(b"key=", b"other=")


def test_latin1_cookie_is_kept_and_written_in_latin1() -> None:
    data = "# -*- coding: latin-1 -*-\ns = 'café'\nt = old\n".encode("latin-1")
    doc = Document.from_bytes("m.py", data)
    assert doc.encoding in ("iso-8859-1", "latin-1")
    fixed = doc.apply([Edit(3, 4, 3, 7, "new")])
    assert fixed == "# -*- coding: latin-1 -*-\ns = 'café'\nt = new\n".encode("latin-1")


def test_replacement_that_the_encoding_cannot_hold_is_refused() -> None:
    data = "# -*- coding: latin-1 -*-\nt = old\n".encode("latin-1")
    doc = Document.from_bytes("m.py", data)
    with pytest.raises(CannotFix, match="cannot be written"):
        doc.apply([Edit(2, 4, 2, 7, "\u4e2d")])


@pytest.mark.parametrize("data, reason", [
    (b"x = '\xff'\n", "cannot decode"),
    (b"# -*- coding: no-such-codec -*-\nx = 1\n", "cannot decode"),
])
def test_undecodable_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(CannotFix, match=reason):
        Document.from_bytes("m.py", data)


def test_columns_are_characters_and_ast_columns_are_converted() -> None:
    doc = Document.from_bytes("m.py", "s = 'été'; t = 1\n".encode())
    utf8_col = "s = 'été'; ".encode().__len__()
    assert doc.char_col(1, utf8_col) == len("s = 'été'; ")


def test_overlap_rules() -> None:
    assert spans_overlap((0, 5), (4, 8))
    assert not spans_overlap((0, 5), (5, 8))
    assert spans_overlap((3, 3), (3, 3))  # two insertions at one point: order unknown
    assert spans_overlap((3, 3), (1, 5))
    assert not spans_overlap((5, 5), (1, 5))


def test_overlapping_edits_of_one_fix_are_refused() -> None:
    doc = Document.from_bytes("m.py", b"abcdef\n")
    with pytest.raises(CannotFix, match="overlap"):
        doc.apply([Edit(1, 0, 1, 3, "x"), Edit(1, 2, 1, 4, "y")])


def test_shift_position_follows_inserted_lines() -> None:
    doc = Document.from_bytes("m.py", b"a\nb\nc\n")
    assert shift_position(doc, [Edit(2, 0, 2, 0, "new\n")], 3, 0) == (4, 0)
    assert shift_position(doc, [Edit(1, 0, 2, 0, "")], 3, 0) == (2, 0)


def test_edits_from_rewrite_touch_only_changed_lines() -> None:
    doc = Document.from_bytes("m.py", b"a\r\nb\r\nc\r\n")
    edits = doc.edits_from_rewrite("a\r\nB\r\nc\r\n")
    assert edits == (Edit(2, 0, 3, 0, "B\r\n"),)
    assert doc.apply(edits) == b"a\r\nB\r\nc\r\n"
