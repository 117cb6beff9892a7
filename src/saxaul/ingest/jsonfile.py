"""NDJSON and JSON-array input: objects in, one text column per known field out.

Why two paths: NDJSON lines are independent, so a whole block goes to ``pl.read_ndjson`` and
only a block that fails is checked line by line (a bad line is a ``malformed_row``; the rest
still go through). A JSON array has no safe place to resume after a syntax error, so an array
that is not valid JSON is refused as a whole (``InputRejected``), as an HTTP body would be;
elements that are valid JSON but not objects are ``malformed_row``.

Every known field is read as text: ``{"quantity": 2.5}`` and ``{"quantity": "2.5"}`` both give
``"2.5"``; an object value (``attributes``) gives its JSON text. Example NDJSON::

    {"event_id": "e1", ...}      line 1 -> row, line 1
    {"event_id": "e2", ...       line 2 -> malformed_row at line 2 (not valid JSON)
                                 line 3 -> blank: not a row
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import BinaryIO

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.domain.events import RejectCode, Rejection
from saxaul.ingest.columns import MAX_JSON_DEPTH, NESTED_FIELDS, POS, SOURCE_LINE
from saxaul.ingest.nesting import TooDeep, loads, nesting
from saxaul.ingest.pieces import RawPiece, clip

BLOCK_BYTES = 8 << 20
PIECE_ELEMENTS = 65_536
_MAX_ELEMENT_CHARS = 1 << 20
"""An array element still unfinished after this many characters is broken, not just long."""
_NESTED_VALUE = re.compile(
    rb'"(?:' + b"|".join(name.encode() for name in NESTED_FIELDS) + rb')"\s*:\s*[{\[]'
)
"""A line that gives a nested field an object or list value."""
_BAD_ESCAPE = re.compile(rb'\\(?:["\\bfnrt]|u00[01][0-9a-fA-F])')
"""An escape Polars decodes but does not write back (``\\u0041`` and ``\\u00e9`` are fine)."""


def text_schema(fields: Sequence[str]) -> dict[str, pl.DataType]:
    """Read every known field as text; unknown keys are ignored."""
    return {name: pl.String() for name in fields}


def iter_ndjson_pieces(
    stream: BinaryIO, schema: dict[str, pl.DataType], *, block_bytes: int | None = None
) -> Iterator[RawPiece]:
    """Pieces of an NDJSON stream, cut after the last newline of each block."""
    block_bytes = block_bytes or BLOCK_BYTES
    pos, line, carry = 0, 1, b""
    while True:
        data = stream.read(block_bytes)
        buf = carry + data
        if data:
            cut = buf.rfind(b"\n") + 1
            block, carry = buf[:cut], buf[cut:]
            if not block:
                continue
        else:
            block, carry = buf, b""
            if not block:
                return
        piece = ndjson_piece(block, schema, pos, line)
        yield piece
        pos = piece.end_pos
        line += block.count(b"\n")


def ndjson_piece(block: bytes, schema: dict[str, pl.DataType], pos0: int, line0: int) -> RawPiece:
    """One block of whole lines; ``line0`` is the 1-based number of its first line."""
    lines = _BlockLines(block, line0)
    try:
        frame: pl.DataFrame | None = pl.read_ndjson(block, schema=schema)
    except pl.exceptions.PolarsError:
        frame = None
    physical = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    if frame is not None and frame.height == physical:
        index = pl.int_range(frame.height, dtype=pl.Int64, eager=True)
        frame = exact_nested(frame, lines.all, suspect=_suspect(block))
        return RawPiece(
            frame=_with_positions(frame, index + pos0, index + line0),
            malformed=(),
            end_pos=pos0 + frame.height,
            raw_text=lines,
        )
    kept: list[bytes] = []
    kept_lines: list[int] = []
    bad: list[Rejection] = []
    for offset, text in enumerate(lines.all()):
        if not text.strip():
            continue
        problem = None if frame is not None else _object_problem(line0 + offset, text, schema)
        if problem is None:
            kept.append(text)
            kept_lines.append(line0 + offset)
        else:
            bad.append(problem)
    if frame is None or frame.height != len(kept):
        frame, unreadable = read_objects(kept, schema)
        for i in reversed(unreadable):
            bad.append(_malformed(kept_lines.pop(i), "Polars cannot read this object", kept.pop(i)))
    frame = exact_nested(frame, lambda: kept, suspect=_suspect(block))
    return _renumber(frame, kept_lines, bad, pos0, lines)


def _renumber(
    frame: pl.DataFrame, good_lines: list[int], bad: list[Rejection], pos0: int, lines: _BlockLines
) -> RawPiece:
    """Positions follow line order, good and broken rows interleaved."""
    order = sorted([*good_lines, *(r.line for r in bad)])
    position = {line: pos0 + i for i, line in enumerate(order)}
    good_pos = pl.Series([position[line] for line in good_lines], dtype=pl.Int64)
    return RawPiece(
        frame=_with_positions(frame, good_pos, pl.Series(good_lines, dtype=pl.Int64)),
        malformed=tuple((position[r.line], r) for r in sorted(bad, key=lambda r: r.line)),
        end_pos=pos0 + len(order),
        raw_text=lines,
    )


def _with_positions(frame: pl.DataFrame, pos: pl.Series, line: pl.Series) -> pl.DataFrame:
    return frame.select(pos.alias(POS), line.alias(SOURCE_LINE), pl.all())


def _object_problem(line: int, text: bytes, schema: Mapping[str, object]) -> Rejection | None:
    try:
        value = loads(text, row=True, parse_constant=_reject_constant)
    except TooDeep as exc:
        return too_deep_row(line, exc, text, schema)
    except (ValueError, UnicodeDecodeError) as exc:
        reason = f"the line is not valid JSON ({exc}); send one JSON object per line"
        return _malformed(line, reason, text)
    if not isinstance(value, dict):
        return _malformed(line, f"the line is a JSON {type(value).__name__}, not an object", text)
    return None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _malformed(line: int, reason: str, text: bytes | str) -> Rejection:
    raw = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    return Rejection(line, RejectCode.MALFORMED_ROW, reason, clip(raw.rstrip("\r")))


def too_deep_row(
    line: int, exc: TooDeep, text: bytes | str, schema: Mapping[str, object]
) -> Rejection:
    """A row nested past the limit: ``invalid_value`` of the field when it is one we read."""
    limit = f"more than {MAX_JSON_DEPTH} levels deep; the limit is {MAX_JSON_DEPTH}: flatten it"
    if exc.key in schema:
        reason = f"{exc.key} nests objects and lists {limit}"
        rejection = _malformed(line, reason, text)
        return dataclasses.replace(rejection, code=RejectCode.INVALID_VALUE, field=exc.key)
    where = "the row" if exc.key is None else f"the row's key {clip(exc.key)[:64]!r}"
    return _malformed(line, f"{where} nests objects and lists {limit}", text)


def exact_nested(
    frame: pl.DataFrame, texts: Callable[[], Sequence[bytes]], *, suspect: bool
) -> pl.DataFrame:
    """Re-render untrustworthy nested values (objects, lists) from the raw text with ``json``.

    Why: Polars writes a nested value back as text without escaping it (a key made of one
    double quote comes out as three quotes in a row) and prints big floats as long integers.
    Raw text without such escapes renders exactly unless it shows a 16-digit number; only rows
    with such a number, or with such an escape and a nested value (``"attributes": {``), are
    re-rendered.
    ``texts()`` gives each row's raw object text; ``suspect`` says whether any may need it.
    """
    columns = [name for name in NESTED_FIELDS if name in frame.columns]
    if not columns or frame.is_empty():
        return frame
    long_number = pl.any_horizontal(
        pl.col(c).str.contains(r"[0-9]{16}").fill_null(False) for c in columns
    )
    rows = set(frame.select(long_number).to_series().arg_true().to_list())
    if suspect:
        rows.update(i for i, text in enumerate(texts()) if _suspect(text))
    if not rows:
        return frame
    order = sorted(rows)
    raw = texts()
    rendered = {c: frame.get_column(c).gather(order).to_list() for c in columns}
    for n, row in enumerate(order):
        try:
            value = loads(raw[row], row=True)
        except (ValueError, TooDeep):
            continue  # too deep: Polars' text stands; a deep nested field fails its check
        for name in columns:
            nested = value.get(name) if isinstance(value, dict) else None
            if isinstance(nested, dict | list):
                rendered[name][n] = json.dumps(nested, ensure_ascii=False)
    return frame.with_columns(
        frame.get_column(c).scatter(order, pl.Series(rendered[c], dtype=pl.String)) for c in columns
    )


def _suspect(text: bytes) -> bool:
    """Whether Polars may mis-render raw JSON text: an escape that decodes to a character that
    needs escaping again (quote, backslash, control character), and a nested value."""
    return (
        b"\\" in text
        and _BAD_ESCAPE.search(text) is not None
        and _NESTED_VALUE.search(text) is not None
    )


def read_objects(
    texts: Sequence[bytes], schema: dict[str, pl.DataType]
) -> tuple[pl.DataFrame, list[int]]:
    """Rows for the one-line JSON objects Polars can read, and the indices of those it cannot.

    One ``read_ndjson`` call normally; on failure the list is halved until each bad object is
    found, so a rare Polars-only refusal costs O(bad · log n) reads, never a whole block.
    """
    if not texts:
        return pl.DataFrame(schema=schema), []
    try:
        frame = pl.read_ndjson(b"\n".join(texts), schema=schema)
        if frame.height == len(texts):
            return frame, []
    except pl.exceptions.PolarsError:
        pass
    if len(texts) == 1:
        return pl.DataFrame(schema=schema), [0]
    mid = len(texts) // 2
    left, left_bad = read_objects(texts[:mid], schema)
    right, right_bad = read_objects(texts[mid:], schema)
    return pl.concat([left, right]), left_bad + [mid + i for i in right_bad]


class _BlockLines:
    """The raw lines of one block, split only if a rejection needs one."""

    def __init__(self, block: bytes, line0: int) -> None:
        self._block = block
        self._line0 = line0
        self._lines: list[bytes] | None = None

    def all(self) -> list[bytes]:
        if self._lines is None:
            self._lines = self._block.split(b"\n")
            if self._lines and not self._lines[-1]:
                self._lines.pop()
        return self._lines

    def __call__(self, line: int) -> str | None:
        offset = line - self._line0
        lines = self.all()
        if 0 <= offset < len(lines):
            return lines[offset].decode("utf-8", errors="replace").rstrip("\r")
        return None


def iter_json_array_pieces(
    stream: BinaryIO,
    schema: dict[str, pl.DataType],
    *,
    max_rows: int | None = None,
    piece_elements: int | None = None,
) -> Iterator[RawPiece]:
    """Pieces of a top-level JSON array; each element's ``line`` is its 0-based index."""
    piece_elements = piece_elements or PIECE_ELEMENTS
    texts: list[bytes] = []
    indices: list[int] = []
    bad: list[tuple[int, Rejection]] = []
    start = 0
    for index, text, value in ArrayScanner(stream).elements():
        if max_rows is not None and index >= max_rows:
            raise InputRejected(f"the array has more than {max_rows} elements", field="body")
        if isinstance(value, TooDeep):
            bad.append((index, too_deep_row(index, value, text, schema)))
        elif isinstance(value, dict):
            texts.append(text.replace("\n", " ").replace("\r", " ").encode())
            indices.append(index)
        else:
            bad.append((index, _malformed(index, "the element is not a JSON object", text)))
        if index + 1 - start >= piece_elements:
            yield _array_piece(texts, indices, bad, schema, start, index + 1)
            texts, indices, bad, start = [], [], [], index + 1
    yield _array_piece(texts, indices, bad, schema, start, None)


def _array_piece(
    texts: list[bytes],
    indices: list[int],
    bad: list[tuple[int, Rejection]],
    schema: dict[str, pl.DataType],
    start: int,
    end: int | None,
) -> RawPiece:
    frame, unreadable = read_objects(texts, schema)
    for i in unreadable:
        bad.append((indices[i], _malformed(indices[i], "Polars cannot read this object", texts[i])))
    keep = sorted(set(range(len(indices))) - set(unreadable))
    kept = [texts[i] for i in keep]
    frame = exact_nested(frame, lambda: kept, suspect=any(_suspect(t) for t in kept))
    index = pl.Series([indices[i] for i in keep], dtype=pl.Int64)
    by_index = {indices[i]: texts[i] for i in range(len(indices))}
    last = max([*indices, *(i for i, _ in bad)], default=start - 1)
    return RawPiece(
        frame=_with_positions(frame, index, index),
        malformed=tuple(sorted(bad, key=lambda b: b[0])),
        end_pos=last + 1 if end is None else end,
        raw_text=lambda i: by_index[i].decode() if i in by_index else None,
    )


class ArrayScanner:
    """Element texts of a top-level JSON array, read block by block (C-accelerated decoder)."""

    _WS = " \t\r\n"

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._block_bytes = BLOCK_BYTES
        self._decode = codecs.getincrementaldecoder("utf-8-sig")()
        self._decoder = json.JSONDecoder(parse_constant=_reject_constant)
        self._buf = ""
        self._i = 0
        self._eof = False

    def _more(self) -> bool:
        if self._eof:
            return False
        data = self._stream.read(self._block_bytes)
        self._eof = not data
        try:
            text = self._decode.decode(data, final=self._eof)
        except UnicodeDecodeError as exc:
            raise InputRejected(f"the JSON is not valid UTF-8 ({exc})", field="body") from exc
        self._buf = self._buf[self._i :] + text
        self._i = 0
        return bool(text) or not self._eof

    def _peek(self) -> str:
        """The next non-space character ('' at the end of input)."""
        while True:
            while self._i < len(self._buf) and self._buf[self._i] in self._WS:
                self._i += 1
            if self._i < len(self._buf):
                return self._buf[self._i]
            if not self._more():
                return ""

    def elements(self) -> Iterator[tuple[int, str, object]]:
        """Each element's index, text and decoded value (``TooDeep`` for an object nested past
        the limit: its neighbours still count)."""
        if self._peek() != "[":
            raise InputRejected("the JSON must be an array of event objects", field="body")
        self._i += 1
        index = 0
        while True:
            char = self._peek()
            if char == "]":
                self._i += 1
                if self._peek():
                    raise InputRejected("unexpected data after the JSON array", field="body")
                return
            if index and char != ",":
                raise self._broken(index, "expected ',' or ']' between elements")
            if index:
                self._i += 1
                self._peek()
            value, end = self._decode_element(index)
            yield index, self._buf[self._i : end], value
            self._i = end
            index += 1

    def _decode_element(self, index: int) -> tuple[object, int]:
        while True:
            unfinished = len(self._buf) - self._i > _MAX_ELEMENT_CHARS
            try:
                value, end = self._decoder.raw_decode(self._buf, self._i)
                if end < len(self._buf) or self._eof:
                    return value, end
            except json.JSONDecodeError as exc:
                if self._eof or unfinished:
                    raise self._broken(index, exc.msg) from exc
            except RecursionError:
                found = nesting(self._buf, self._i)
                if found.end is not None and self._buf[self._i] == "{":
                    return TooDeep(found), found.end
                if found.end is not None or self._eof or unfinished:
                    raise self._broken(
                        index,
                        f"it nests objects and lists more than {MAX_JSON_DEPTH} levels deep "
                        f"(the limit is {MAX_JSON_DEPTH}) and is not an event object",
                    ) from None
            self._more()

    @staticmethod
    def _broken(index: int, what: str) -> InputRejected:
        return InputRejected(
            f"the JSON array is not valid at element {index}: {what}; "
            "fix it, or send NDJSON so one broken line does not stop the rest",
            field="body",
        )
