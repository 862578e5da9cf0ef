"""Streaming reader for Weka ARFF files (dense format).

Header
    ``@relation``, ``@attribute`` and ``@data`` keywords in any case; ``%``
    comment lines; attribute names bare or quoted (``'...'``/``"..."``).
    ``numeric``, ``real`` and ``integer`` attributes are numeric; nominal
    ``{a, b, c}`` attributes are categorical with the declared categories
    registered in the schema in declared order (so codes follow the
    declaration); ``string`` and ``date`` attributes are categorical (dates
    are kept as their text). ``relational`` attributes raise
    :class:`~streamlearn.DataError`.
Data
    Comma-separated values, read in blocks of about 1 MB and converted with
    Arrow/NumPy; values may be quoted with ``'`` or ``"`` (escape sequences
    inside quotes are not interpreted); spaces around values are ignored;
    ``?`` is missing; ``%`` comment lines and blank lines are skipped. A row
    with the wrong number of values is skipped and counted in ``bad_rows``
    (reason ``"data row N: ..."``, N counting the non-blank, non-comment data
    rows from 1). A numeric value that does not parse is missing and counted
    in ``schema.n_invalid``. Sparse ARFF rows (``{0 1.5, 3 a}``) are not
    supported and raise :class:`~streamlearn.DataError`.
Target
    ``target=`` an attribute name or position; default: the last attribute;
    ``False``: none. A nominal/string target gives string labels, a numeric
    one floats.

``.arff.gz`` files are decompressed on the fly.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "weather.arff")
>>> _ = open(path, "w").write('''% a comment
... @RELATION weather
... @attribute 'outlook' {sunny, overcast, rainy}
... @attribute temperature NUMERIC
... @attribute play {yes, no}
... @data
... rainy, 21, yes
... sunny, ?, no
... ''')
>>> ds = read_arff(path)
>>> X, y, schema = ds.to_arrays()
>>> X.tolist(), y.tolist()
([[2.0, 21.0], [0.0, nan]], ['yes', 'no'])
>>> schema.categories[0]
['sunny', 'overcast', 'rainy']
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from streamlearn.base.errors import DataError
from streamlearn.base.schema import CAT, NUM, Schema
from streamlearn.streams._columns import fill_features, target_column
from streamlearn.streams._files import (
    check_file,
    file_stem,
    line_chunks,
    open_binary,
    read_head,
    resolve_column,
)
from streamlearn.streams.dataset import Block, Dataset

_COMMENT_LINES = re.compile(rb"(?m)^[ \t]*%[^\n]*(\n|$)")
_SPARSE_ROW = re.compile(rb"(?m)^[ \t]*\{")
_NUMERIC_TYPES = ("numeric", "real", "integer")


class Attribute:
    """One ``@attribute``: its name, kind, and declared categories (nominal only)."""

    def __init__(self, name: str, kind: str, categories: list[str] | None = None, type_name: str = ""):
        self.name, self.kind, self.categories, self.type_name = name, kind, categories, type_name

    def __repr__(self) -> str:
        return f"Attribute({self.name!r}, {self.type_name!r})"


def read_arff(
    path: str | os.PathLike[str],
    target: Hashable | Literal[False] | None = None,
    *,
    batch_size: int = 1000,
    name: str | None = None,
) -> ARFFDataset:
    """Read an ARFF file as a stream of batches (see the module docstring for the rules).

    Parameters
    ----------
    path
        The file (``.gz`` is decompressed on the fly).
    target
        Target attribute name or position; None: the last attribute; False: none.
    batch_size
        Rows per batch.
    name
        The dataset's name (default: the file name without extension).
    """
    return ARFFDataset(path, target=target, batch_size=batch_size, name=name)


class ARFFDataset(Dataset):
    """An ARFF file as a :class:`~streamlearn.streams.dataset.Dataset` (built by :func:`read_arff`)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        target: Hashable | Literal[False] | None = None,
        *,
        batch_size: int = 1000,
        name: str | None = None,
    ):
        self.path = check_file(path)
        read_head(self.path, 1 << 12)  # DataError for an empty or unreadable file
        with open_binary(self.path) as f:
            self.relation, self.attributes = _read_header(f, self.path)
        super().__init__(name or file_stem(self.path), None, batch_size)
        names = [a.name for a in self.attributes]
        if target is False:
            self.target = None
        elif target is None:
            self.target = names[-1]
        else:
            self.target = resolve_column(target, names, "target", self.path)

    def _open(self) -> tuple[Schema, Iterator[Block]]:
        schema = Schema()
        for a in self.attributes:
            if a.name != self.target:
                j = schema.add(a.name, a.kind)
                for c in a.categories or ():
                    schema.code(j, c)
        return schema, self._blocks(schema)

    def _blocks(self, schema: Schema) -> Iterator[Block]:
        internal = [f"c{i}" for i in range(len(self.attributes))]
        features = [
            (internal[i], schema.index(a.name))
            for i, a in enumerate(self.attributes)
            if a.name != self.target
        ]
        tpos = next((i for i, a in enumerate(self.attributes) if a.name == self.target), None)
        target_col = None if tpos is None else internal[tpos]
        target_kind = None if tpos is None else self.attributes[tpos].kind
        rows_before = 0
        report = self._report
        with open_binary(self.path) as f:
            _read_header(f, self.path)
            try:
                for chunk in line_chunks(f):
                    if b"%" in chunk:
                        chunk = _COMMENT_LINES.sub(b"", chunk)
                    if b"{" in chunk and _SPARSE_ROW.search(chunk):
                        raise DataError(
                            f"{str(self.path)!r} holds sparse ARFF rows ({{index value, ...}}), which "
                            "streamlearn does not read; convert the file to dense ARFF or CSV."
                        )
                    if not chunk.strip():
                        continue
                    base = rows_before

                    def on_bad_row(row: Any, base: int = base) -> str:
                        report.add(
                            f"data row {base + row.number}: expected {row.expected_columns} values, "
                            f"got {row.actual_columns}"
                        )
                        return "skip"

                    bad_before = report.count
                    table = _parse_chunk(chunk, internal, on_bad_row)
                    rows_before += table.num_rows + (report.count - bad_before)
                    X = fill_features(
                        np.empty((table.num_rows, schema.width)),
                        schema,
                        ((table.column(col), j) for col, j in features),
                        strip=True,
                        cat_na_values=("?",),
                    )
                    y = None
                    if target_col is not None:
                        y = target_column(
                            table.column(target_col),
                            schema,
                            target_kind == CAT,
                            strip=True,
                            label_na_values=("?",),
                        )
                    yield X, y
            except (pa.ArrowInvalid, OSError, EOFError) as e:
                raise DataError(f"Cannot read {str(self.path)!r}: {e}") from e


def _parse_chunk(chunk: bytes, names: list[str], on_bad_row: Any) -> pa.Table:
    quote = "'" if b"'" in chunk else '"'
    if quote.encode() in chunk:  # a quote opens a field only right after the comma
        q = re.escape(quote.encode())
        chunk = re.sub(rb"(?m)(^|,)[ \t]+(?=" + q + rb")", rb"\1", chunk)
        chunk = re.sub(rb"(?<=" + q + rb")[ \t]+(?=,|\r?$)", b"", chunk, flags=re.M)
    table = pa_csv.read_csv(
        io.BytesIO(chunk),
        read_options=pa_csv.ReadOptions(column_names=names, use_threads=False, block_size=len(chunk) + 1),
        parse_options=pa_csv.ParseOptions(delimiter=",", quote_char=quote, invalid_row_handler=on_bad_row),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=["?"],
            strings_can_be_null=True,
        ),
    )
    return table.combine_chunks()


# -- header ---------------------------------------------------------------------
def _read_header(f: IO[bytes], path: Path) -> tuple[str, list[Attribute]]:
    """Parse the header; leaves ``f`` just after the ``@data`` line."""
    relation = ""
    attributes: list[Attribute] = []
    lineno = 0
    while True:
        raw = f.readline()
        if not raw:
            if not attributes:
                raise DataError(f"{str(path)!r} is not an ARFF file (no @attribute lines).")
            raise DataError(f"{str(path)!r} has no @data line after its {len(attributes)} attributes.")
        lineno += 1
        line = raw.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
        if not line or line.startswith("%"):
            continue
        low = line.lower()
        if low.startswith("@relation"):
            relation = _unquote(_split_name(line[len("@relation") :].strip(), path, lineno)[0])
        elif low.startswith("@attribute"):
            attributes.append(_parse_attribute(line[len("@attribute") :].strip(), path, lineno))
        elif low.startswith("@data"):
            if not attributes:
                raise DataError(f"{str(path)!r} has no @attribute lines before @data.")
            return relation, attributes
        elif lineno == 1 or not attributes:
            raise DataError(
                f"{str(path)!r} is not an ARFF file: line {lineno} is {line[:60]!r} "
                "(expected @relation, @attribute or @data)."
            )
        else:
            raise DataError(f"{str(path)!r} line {lineno}: unexpected header line {line[:60]!r}.")


def _split_name(text: str, path: Path, lineno: int) -> tuple[str, str]:
    """Split ``name rest`` where name may be quoted."""
    if text[:1] in ("'", '"'):
        q = text[0]
        i = 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == q:
                return text[: i + 1], text[i + 1 :].strip()
            i += 1
        raise DataError(f"{str(path)!r} line {lineno}: unterminated quoted name {text[:60]!r}.")
    parts = text.split(None, 1)
    if not parts:
        raise DataError(f"{str(path)!r} line {lineno}: missing name.")
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in ("'", '"'):
        s = s[1:-1].replace("\\" + s[0], s[0])
    return s


def _parse_attribute(text: str, path: Path, lineno: int) -> Attribute:
    raw_name, spec = _split_name(text, path, lineno)
    name = _unquote(raw_name)
    if not spec:
        raise DataError(f"{str(path)!r} line {lineno}: attribute {name!r} has no type.")
    if spec.startswith("{"):
        end = spec.rfind("}")
        if end < 0:
            raise DataError(f"{str(path)!r} line {lineno}: unterminated {{...}} for attribute {name!r}.")
        values = [_unquote(v) for v in _split_values(spec[1:end])]
        return Attribute(name, CAT, [v for v in values if v != ""], "nominal")
    type_name = spec.split(None, 1)[0].lower()
    if type_name in _NUMERIC_TYPES:
        return Attribute(name, NUM, None, type_name)
    if type_name in ("string", "date"):
        return Attribute(name, CAT, None, type_name)
    raise DataError(
        f"{str(path)!r} line {lineno}: attribute {name!r} has type {type_name!r}; streamlearn reads "
        "numeric, real, integer, nominal {...}, string and date attributes."
    )


def _split_values(text: str) -> list[str]:
    """Split a nominal declaration on commas outside quotes."""
    out, cur, quote = [], [], ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            cur.append(ch)
            if ch == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            cur.append(ch)
        elif ch == ",":
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur).strip())
    return out
