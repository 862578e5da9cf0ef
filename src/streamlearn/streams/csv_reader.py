"""Streaming CSV reader.

:func:`read_csv` reads a delimited text file (optionally ``.gz``) block by
block with ``pyarrow.csv.open_csv``, every column as strings, and converts
each block with vectorised Arrow/NumPy code, so memory stays constant and
a column whose values change type half-way never breaks the stream.

Dialect
    UTF-8 (``encoding=`` for others), with or without a BOM; LF or CRLF line
    ends; the delimiter is sniffed among ``,``, ``;``, tab and ``|`` unless
    given; double-quoted fields (a doubled quote inside is a quote); blank
    lines are skipped. Quoted fields may not contain line breaks.
Header
    ``header="infer"`` (default) takes the first row as column names when
    its fields are not numbers while a later row has numbers in that column
    (or, for all-text data, when its values do not recur below);
    ``header=True``/``False`` force it. Without a header, columns are named
    ``0, 1, 2, ...`` or by ``names=``.
Column kinds
    A column is numeric when every non-missing value of the first block
    (about 1 MB) parses as a number, else categorical; ``categorical=`` and
    ``numeric=`` override (names or positions). Later values that do not
    parse in a numeric column (``"abc"``), and infinities, are read as
    missing and counted in ``schema.n_invalid`` - never an error.
Missing values
    An empty field and the tokens in ``na_values`` (default ``"?"``,
    ``"NA"``, ``"N/A"``, ``"nan"``, ``"NaN"``, ``"null"``, ``"NULL"``,
    ``"None"``) are missing (NaN).
Bad rows
    A row with the wrong number of fields is skipped and counted in
    ``bad_rows``; ``bad_row_examples`` keeps the first ten reasons as
    ``"row N: expected A fields, got B"`` where N counts the non-blank rows
    of the file from 1 (the header included).
Target
    ``target=`` a column name or position; default: the last column;
    ``False``: no target. Its values become ``y``: strings (None when
    missing) for a categorical target, floats (NaN when missing) for a
    numeric one. A target with no value at all in the first block is
    categorical unless ``numeric=`` says otherwise.

A missing, unreadable or empty file raises :class:`~streamlearn.DataError`.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "flows.csv")
>>> _ = open(path, "w").write("bytes;proto;label\\n10;tcp;ok\\n;udp;ok\\nabc;tcp;bad\\n")
>>> ds = read_csv(path, batch_size=2, numeric=["bytes"])  # else "abc" makes it categorical
>>> [(b.X.tolist(), b.y.tolist()) for b in ds]
[([[10.0, 0.0], [nan, 1.0]], ['ok', 'ok']), ([[nan, 0.0]], ['bad'])]
>>> ds.schema, ds.n_invalid, ds.bad_rows
(Schema('bytes':num, 'proto':cat), 1, 0)
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from streamlearn.base.errors import DataError, InvalidParameterError
from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.streams._columns import NA_VALUES, fill_features, looks_numeric, target_column
from streamlearn.streams._files import check_file, file_stem, read_head, resolve_column, resolve_columns
from streamlearn.streams.dataset import Block, Dataset

DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_ROWS = 100
_BLOCK_BYTES = 1 << 20
_HEAD_BYTES = 1 << 16


def read_csv(
    path: str | os.PathLike[str],
    target: Hashable | Literal[False] | None = None,
    *,
    batch_size: int = 1000,
    header: bool | Literal["infer"] = "infer",
    names: Sequence[Hashable] | None = None,
    delimiter: str | None = None,
    categorical: Iterable[Hashable] | None = None,
    numeric: Iterable[Hashable] | None = None,
    drop: Iterable[Hashable] | None = None,
    na_values: Sequence[str] = NA_VALUES,
    encoding: str = "utf8",
    name: str | None = None,
) -> CSVDataset:
    """Read a CSV file as a stream of batches (see the module docstring for the rules).

    Parameters
    ----------
    path
        The file (``.gz`` is decompressed on the fly).
    target
        Target column name or position; None: the last column; False: none.
    batch_size
        Rows per batch.
    header
        ``"infer"``, True or False.
    names
        Column names to use (all columns of the file, in order).
    delimiter
        One character; sniffed among ``, ; TAB |`` when None.
    categorical, numeric
        Columns (names or positions) whose kind is forced.
    drop
        Columns (names or positions) not to read.
    na_values
        Strings read as missing values.
    encoding
        The file's text encoding (Arrow names, e.g. ``"latin-1"``).
    name
        The dataset's name (default: the file name).
    """
    return CSVDataset(
        path,
        target=target,
        batch_size=batch_size,
        header=header,
        names=names,
        delimiter=delimiter,
        categorical=categorical,
        numeric=numeric,
        drop=drop,
        na_values=na_values,
        encoding=encoding,
        name=name,
    )


class CSVDataset(Dataset):
    """A CSV file as a :class:`~streamlearn.streams.dataset.Dataset` (built by :func:`read_csv`)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        target: Hashable | Literal[False] | None = None,
        *,
        batch_size: int = 1000,
        header: bool | Literal["infer"] = "infer",
        names: Sequence[Hashable] | None = None,
        delimiter: str | None = None,
        categorical: Iterable[Hashable] | None = None,
        numeric: Iterable[Hashable] | None = None,
        drop: Iterable[Hashable] | None = None,
        na_values: Sequence[str] = NA_VALUES,
        encoding: str = "utf8",
        name: str | None = None,
    ):
        self.path = check_file(path)
        super().__init__(name or file_stem(self.path), None, batch_size)
        if header not in ("infer", True, False):
            raise InvalidParameterError(f"header must be 'infer', True or False. Got {header!r}.")
        if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
            raise InvalidParameterError(f"delimiter must be one character. Got {delimiter!r}.")
        self.encoding = encoding
        self.na_values = tuple(na_values)
        raw = read_head(self.path, _HEAD_BYTES)
        text = _decode(raw, encoding, self.path)
        lines = _sample_lines(text, complete=len(raw) < _HEAD_BYTES)
        self.delimiter = delimiter or sniff_delimiter(lines)
        rows = [r for r in csv.reader(lines[:_SAMPLE_ROWS], delimiter=self.delimiter) if r]
        if not rows:
            raise DataError(f"The file {str(self.path)!r} has no rows.")
        self.header = has_header(rows, self.na_values) if header == "infer" else bool(header)
        if self.header:
            n_cols = len(rows[0])
            file_names: list[Hashable] = _unique([c.strip() for c in rows[0]])
        else:
            n_cols = Counter(len(r) for r in rows).most_common(1)[0][0]
            file_names = list(range(n_cols))
        if names is not None:
            names = list(names)
            if len(names) != n_cols:
                raise DataError(
                    f"names= gives {len(names)} names but the rows of {str(self.path)!r} have {n_cols} "
                    f"fields (delimiter {self.delimiter!r})."
                )
            if len(set(names)) != len(names):
                raise InvalidParameterError(f"names= has duplicates: {names}.")
            file_names = names
        self.columns: list[Hashable] = file_names
        # physical lines to skip: leading blank lines and the header line
        self._skip = (_leading_blank_lines(text) + 1) if self.header else 0
        self._dropped = set(resolve_columns(drop, self.columns, "drop", self.path))
        kept = [c for c in self.columns if c not in self._dropped]
        if target is False:
            self.target = None
        elif target is None:
            if not kept:
                raise DataError(f"Every column of {str(self.path)!r} is dropped.")
            self.target = kept[-1]
        else:
            self.target = resolve_column(target, self.columns, "target", self.path)
            if self.target in self._dropped:
                raise InvalidParameterError(f"The target column {self.target!r} is also in drop=.")
        self._forced: dict[Hashable, str] = {}
        for c in resolve_columns(numeric, self.columns, "numeric", self.path):
            self._forced[c] = NUM
        for c in resolve_columns(categorical, self.columns, "categorical", self.path):
            self._forced[c] = CAT

    # -- reading -----------------------------------------------------------------
    def _open(self) -> tuple[Schema, Iterator[Block]]:
        schema = Schema()
        return schema, self._blocks(schema)

    def _reader(self) -> Any:
        internal = [f"c{i}" for i in range(len(self.columns))]
        keep = [internal[i] for i, c in enumerate(self.columns) if c not in self._dropped]
        report = self._report

        def on_bad_row(row: Any) -> str:
            report.add(f"row {row.number}: expected {row.expected_columns} fields, got {row.actual_columns}")
            return "skip"

        return pa_csv.open_csv(
            str(self.path),
            read_options=pa_csv.ReadOptions(
                column_names=internal,
                skip_rows=self._skip,
                encoding=self.encoding,
                block_size=_BLOCK_BYTES,
                use_threads=False,
            ),
            parse_options=pa_csv.ParseOptions(delimiter=self.delimiter, invalid_row_handler=on_bad_row),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(internal, pa.string()),
                include_columns=keep,
                null_values=list(self.na_values),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    def _blocks(self, schema: Schema) -> Iterator[Block]:
        position = {c: f"c{i}" for i, c in enumerate(self.columns)}
        try:
            reader = self._reader()
        except (pa.ArrowInvalid, OSError) as e:
            raise _data_error(self.path, e) from e
        features: list[tuple[str, int]] | None = None
        target_kind = CAT
        while True:
            try:
                rb = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, OSError) as e:
                raise _data_error(self.path, e) from e
            if features is None:
                features, target_kind = self._plan(rb, schema, position)
            yield _convert(rb, schema, features, position.get(self.target), target_kind, self.na_values)
        if features is None:  # no data rows: still describe the columns
            for c in self.columns:
                if c not in self._dropped and c != self.target:
                    schema.add(c, self._forced.get(c, NUM))

    def _plan(
        self, rb: pa.RecordBatch, schema: Schema, position: dict[Hashable, str]
    ) -> tuple[list[tuple[str, int]], str]:
        """Decide the column kinds from the first block and lay out the schema."""
        features = []
        target_kind = CAT
        for c in self.columns:
            if c in self._dropped:
                continue
            kind = self._forced.get(c)
            if kind is None:
                col = rb.column(position[c])
                if c == self.target and col.null_count == len(col):
                    kind = CAT  # no label yet: keep labels as text
                else:
                    kind = NUM if looks_numeric(col, self.na_values) else CAT
            if c == self.target:
                target_kind = kind
                continue
            features.append((position[c], schema.add(c, kind)))
        return features, target_kind


def _convert(
    rb: pa.RecordBatch,
    schema: Schema,
    features: list[tuple[str, int]],
    target: str | None,
    target_kind: str,
    na_values: tuple[str, ...],
) -> Block:
    columns = ((rb.column(col), j) for col, j in features)
    X = fill_features(np.empty((rb.num_rows, schema.width)), schema, columns, na_values)
    y = None if target is None else target_column(rb.column(target), schema, target_kind == CAT, na_values)
    return X, y


def _data_error(path: Path, e: Exception) -> DataError:
    msg = str(e)
    hint = ""
    if "UTF8" in msg or "UTF-8" in msg or "utf8" in msg:
        hint = " The file is not UTF-8: pass encoding='latin-1' (or its real encoding)."
    return DataError(f"Cannot read {str(path)!r}: {msg}.{hint}")


def _decode(raw: bytes, encoding: str, path: Path) -> str:
    try:
        codec = "utf-8" if encoding.lower().replace("-", "") in ("utf8", "utf8sig") else encoding
        return raw.decode(codec, errors="replace").lstrip("\ufeff")
    except LookupError as e:
        raise InvalidParameterError(f"Unknown encoding {encoding!r} for {str(path)!r}.") from e


def _sample_lines(text: str, complete: bool) -> list[str]:
    """The complete non-blank lines of a sample (``complete``: it holds the whole file)."""
    lines = text.splitlines()
    if not complete and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]  # cut mid-line
    return [ln for ln in lines if ln.strip()]


def _leading_blank_lines(text: str) -> int:
    n = 0
    for ln in io.StringIO(text):
        if ln.strip():
            break
        n += 1
    return n


def sniff_delimiter(lines: Sequence[str], candidates: Sequence[str] = DELIMITERS) -> str:
    """The candidate that splits the sample lines into the most consistent number (> 1) of fields.

    >>> sniff_delimiter(["a;b;c", "1,5;2;3", "4;5,5;6"])
    ';'
    """
    best, best_key = candidates[0], (-1.0, 0)
    sample = list(lines[:_SAMPLE_ROWS])
    for d in candidates:
        counts = [len(r) for r in csv.reader(sample, delimiter=d) if r]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        key = (freq / len(counts), mode)
        if key > best_key:
            best, best_key = d, key
    return best


def _is_number(s: str, na_values: tuple[str, ...]) -> bool | None:
    """True/False for a number/text; None for a missing value."""
    s = s.strip()
    if s in na_values:
        return None
    try:
        float(s)
        return True
    except ValueError:
        return False


def has_header(rows: Sequence[Sequence[str]], na_values: tuple[str, ...] = NA_VALUES) -> bool:
    """Guess whether the first parsed row is a header.

    >>> has_header([["a", "b"], ["1", "x"], ["2", "y"]])
    True
    >>> has_header([["0", "tcp"], ["1", "udp"]])
    False
    >>> has_header([["proto", "flag"], ["tcp", "SF"], ["udp", "S0"]])
    True
    >>> has_header([["tcp", "SF"], ["udp", "S0"], ["tcp", "SF"]])
    False
    """
    first, rest = rows[0], rows[1:]
    kinds = [_is_number(v, na_values) for v in first]
    if any(k is not False for k in kinds):  # a number or an empty name: data
        return False
    if not rest:
        return True
    width = len(first)
    for j in range(width):
        col = [_is_number(r[j], na_values) for r in rest if len(r) > j]
        seen = [k for k in col if k is not None]
        if seen and all(seen):  # a numeric column under a text field
            return True
    if len(set(first)) != len(first):
        return False
    # all text: a header's values do not recur in their column
    return not any(first[j] == r[j] for r in rest for j in range(min(width, len(r))))


def _unique(names: list[str]) -> list[Hashable]:
    out: list[Hashable] = []
    seen: set[str] = set()
    for j, n in enumerate(names):
        base = n or f"column_{j}"
        cand, k = base, 1
        while cand in seen:
            cand = f"{base}.{k}"
            k += 1
        seen.add(cand)
        out.append(cand)
    return out
