"""Read input files into :class:`~tracker.model.Document` records.

Entry point: :func:`read_inputs`, a generator over files, directories and JSONL
corpora that yields one :class:`Document` per readable text and one
:class:`InputError` per problem, and never stops on bad input.

Supported formats: ``.txt``/``.md`` (encoding detected), ``.html``/``.htm``
(main text via trafilatura), ``.jsonl`` (one document per line), ``.pdf``
(text layer via pypdf, no OCR) and ``.docx`` (python-docx).  A ``manifest.csv``
in an input directory supplies per-file metadata.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import functools
import io
import json
import logging
import os
import re
import stat
import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from tracker.model import Document, InputError

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "TEMPLATE_FIELDS",
    "DecodeError",
    "DocIds",
    "Source",
    "decode_bytes",
    "input_parts",
    "read_inputs",
    "read_part",
]

SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".jsonl", ".pdf", ".docx")
"""File name endings :func:`read_inputs` reads (compared case-insensitively)."""

TEMPLATE_FIELDS: frozenset[str] = frozenset(
    {"stem", "line", "year", "title", "locality", "date", "id"}
)
"""Names a ``doc_id_template`` may use."""

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS: tuple[str, ...] = (
    "file", "doc_id", "locality", "year", "date", "title", "source"
)

_SUPPORTED_MSG = "supported: " + ", ".join(SUPPORTED_EXTENSIONS)

# Decoders: gbk/gb2312 are subsets of gb18030, so always decode with the superset.
_ENCODING_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "euc_cn": "gb18030",
}
# Tried when charset-normalizer has no verdict (e.g. very short texts).
_FALLBACK_ENCODINGS = ("gb18030", "big5")
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Detection looks at a prefix of big files; the full text is then decoded strictly.
_DETECT_PREFIX = 1 << 20
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_DATE_RE = re.compile(r"^\s*(\d{4})(?:\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*$")
_YEAR_RE = re.compile(r"^\s*(\d{4})\s*(?:年)?\s*$")


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class DecodeError:
    """Why :func:`decode_bytes` gave up: ``message`` is one line; ``offset`` a byte offset."""

    message: str
    offset: int | None = None


def _canonical(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    name = name.replace("-", "_")
    return _ENCODING_ALIASES.get(name, name)


def _strict(data: bytes, encoding: str) -> str | UnicodeDecodeError:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc


def _detection_sample(data: bytes) -> bytes:
    """A prefix of ``data`` cut where no multi-byte character can be split."""
    if len(data) <= _DETECT_PREFIX:
        return data
    head = data[:_DETECT_PREFIX]
    cut = head.rfind(b"\n")
    if cut < 0:
        # Bytes below 0x30 are never trail bytes in GB18030, GBK or Big5.
        cut = max(head.rfind(bytes([b])) for b in b" \t\r!\"#$%&'()*+,-./")
    return head[: cut + 1] if cut > 0 else data


@functools.lru_cache(maxsize=65536)
def _char_score(ch: str) -> int:
    """+1 common Chinese character, 0 neutral, -1 implausible in a Chinese text."""
    code = ord(ch)
    if code < 0x80 or 0xC0 <= code <= 0x24F or 0x2000 <= code <= 0x206F:
        return 0
    if 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF or code in (0xA0, 0xB7, 0xD7):
        return 0
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        known = False
        try:
            gb = ch.encode("gb2312")
            if 0xB0 <= gb[0] <= 0xD7:  # GB2312 level 1: the 3755 most used hanzi
                return 1
            known = True
        except UnicodeEncodeError:
            pass
        try:
            b5 = ch.encode("big5")
            if b"\xa4\x40" <= b5 <= b"\xc6\x7e":  # Big5 frequently used characters
                return 1
            known = True
        except UnicodeEncodeError:
            pass
        return 0 if known else -1
    return -1


def _plausibility(text: str) -> float:
    """Mean :func:`_char_score` over the first 20,000 characters of ``text``."""
    head = text[:20_000]
    if not head:
        return 0.0
    return sum(_char_score(ch) for ch in head) / len(head)


def _detected_encodings(data: bytes) -> list[str]:
    from charset_normalizer import from_bytes

    try:
        matches = from_bytes(_detection_sample(data))
    except Exception:  # noqa: BLE001 - detection is best effort
        return []
    out: list[str] = []
    for match in matches:
        enc = _canonical(match.encoding)
        if enc not in out:
            out.append(enc)
    return out


def decode_bytes(data: bytes, *, declared: str | None = None) -> str | DecodeError:
    """Decode file bytes without assuming an encoding.

    Order: byte-order mark (UTF-32, UTF-8, UTF-16), then strict UTF-8, then
    ``declared`` (e.g. an HTML meta charset), then charset-normalizer's candidates
    (gbk/gb2312 decoded as gb18030), then gb18030 and Big5.  Every decode
    is strict.  ``\\r\\n`` becomes ``\\n``; nothing else is changed.

    Returns the text, or a :class:`DecodeError` for empty input ("empty file"),
    binary data (NUL or many control bytes: "binary file, not text"), or text no
    candidate decodes (message and ``offset`` name the first bad byte of the
    candidate that got furthest).
    """
    if not data:
        return DecodeError("empty file; remove it or add text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            got = _strict(data[len(bom) :], encoding)
            if isinstance(got, str):
                return got.replace("\r\n", "\n")
            return DecodeError(
                f"starts with a {encoding} byte-order mark but byte {got.start + len(bom)} "
                f"is not valid {encoding}; re-save the file as UTF-8",
                got.start + len(bom),
            )
    sample = data[:_DETECT_PREFIX]
    if b"\x00" in data or sum(sample.count(b) for b in _CONTROL_BYTES) > len(sample) // 20:
        return DecodeError("binary file, not text; remove it or convert it to a text format")
    # Valid UTF-8 is strong evidence (pages re-saved as UTF-8 often keep an old meta charset).
    candidates = ["utf_8"]
    if declared:
        candidates.append(_canonical(declared))
    best_error: tuple[int, str] | None = None
    tried: set[str] = set()

    def attempt(encs: Iterable[str]) -> str | None:
        nonlocal best_error
        for enc in encs:
            if enc in tried:
                continue
            tried.add(enc)
            try:
                got = _strict(data, enc)
            except (LookupError, ValueError):
                continue
            if isinstance(got, str):
                return got
            if best_error is None or got.start > best_error[0]:
                best_error = (got.start, enc)
        return None

    text = attempt(candidates)
    if text is None:
        # Several legacy encodings often decode the same bytes (short texts above all):
        # rank the ones that decode the sample by how plausible the resulting text is.
        sample = _detection_sample(data)
        ranked: list[tuple[float, int, str]] = []
        others = [e for e in _detected_encodings(data) + list(_FALLBACK_ENCODINGS)]
        for rank, enc in enumerate(dict.fromkeys(others)):
            if enc in tried:
                continue
            try:
                got = _strict(sample, enc)
            except (LookupError, ValueError):
                tried.add(enc)
                continue
            if isinstance(got, str):
                ranked.append((-_plausibility(got), rank, enc))
            else:
                tried.add(enc)
                if best_error is None or got.start > best_error[0]:
                    best_error = (got.start, enc)
        text = attempt(enc for _, _, enc in sorted(ranked))
    if text is not None:
        return text.replace("\r\n", "\n")
    offset, enc = best_error if best_error is not None else (0, "utf_8")
    return DecodeError(
        f"cannot decode: not UTF-8 and no detected encoding fits (best guess {enc} fails at "
        f"byte {offset}); re-save the file as UTF-8",
        offset,
    )


# --------------------------------------------------------------------------- helpers


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _parse_year(value: Any) -> int:
    """An int year from an int or a ``"2019"``/``"2019年"`` string; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str):
        match = _YEAR_RE.match(value)
        if not match:
            raise ValueError(value)
        year = int(match.group(1))
    else:
        raise ValueError(value)
    if not 1000 <= year <= 2999:
        raise ValueError(value)
    return year


def _parse_date(value: Any) -> str:
    """ISO ``YYYY-MM-DD`` or ``YYYY`` from common spellings; ``ValueError`` otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(_parse_year(value))
    if not isinstance(value, str):
        raise ValueError(value)
    match = _DATE_RE.match(value)
    if not match:
        # ISO timestamps such as 2019-03-05T09:00:00
        match = _DATE_RE.match(value[:10]) if len(value) > 10 and value[10] in "T " else None
    if not match:
        raise ValueError(value)
    year, month, day = match.groups()
    if month is None:
        return year
    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()  # 2016-02-30 fails
    except ValueError:
        raise ValueError(value) from None


# Metadata fields that must be parsed, with their parser and the spelling to
# suggest when it fails (JSONL fields and manifest columns alike).
_PARSED_FIELDS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "year": (_parse_year, "use a 4-digit year"),
    "date": (_parse_date, "use YYYY-MM-DD or YYYY"),
}


def _clean_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = _one_line(value)
    return value or None


def _read_bytes(path: Path) -> bytes | InputError:
    try:
        return path.read_bytes()
    except PermissionError:
        return InputError(str(path), "permission denied; make the file readable (chmod) or drop it")
    except IsADirectoryError:
        return InputError(str(path), "is a directory where a file was expected")
    except OSError as exc:
        return InputError(str(path), f"cannot read file ({_one_line(exc.strerror or str(exc))})")


def _empty(path: str) -> InputError:
    return InputError(path, "empty file (no text); remove it or add text")


# --------------------------------------------------------------------------- formats
#
# Each reader yields Documents (doc_id = file stem unless the format says otherwise)
# and InputErrors.  Manifest overrides, templates and duplicate checks come later.


def _read_text(path: Path) -> Iterator[Document | InputError]:
    data = _read_bytes(path)
    if isinstance(data, InputError):
        yield data
        return
    text = decode_bytes(data)
    if isinstance(text, DecodeError):
        yield InputError(str(path), text.message, offset=text.offset)
        return
    if not text.strip():
        yield _empty(str(path))
        return
    yield Document(doc_id=path.stem, path=str(path), text=text)


def _html_title(html: str) -> str | None:
    match = _TITLE_RE.search(html[:200_000])
    if not match:
        return None
    try:
        import lxml.html

        title = lxml.html.fromstring(f"<p>{match.group(1)}</p>").text_content()
    except Exception:  # noqa: BLE001 - fall back to raw text
        title = match.group(1)
    return _clean_str(title)


def _html_fallback_text(html: str) -> str:
    """Visible text via lxml, one block per line; "" when lxml cannot parse it."""
    try:
        import lxml.html

        root = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - broken markup must not crash
        return ""
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for br in root.xpath("//br"):
        br.tail = "\n" + (br.tail or "")
    blocks = "p div li tr h1 h2 h3 h4 h5 h6 section article header footer pre blockquote td"
    for el in root.iter(*blocks.split()):
        el.tail = "\n" + (el.tail or "")
    raw = root.text_content()
    lines = (" ".join(line.split()) for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def _read_html(path: Path) -> Iterator[Document | InputError]:
    data = _read_bytes(path)
    if isinstance(data, InputError):
        yield data
        return
    meta = _META_CHARSET.search(data[:4096])
    declared = meta.group(1).decode("ascii", "replace") if meta else None
    html = decode_bytes(data, declared=declared)
    if isinstance(html, DecodeError):
        yield InputError(str(path), html.message, offset=html.offset)
        return
    if not html.strip():
        yield _empty(str(path))
        return
    text = ""
    title: str | None = None
    date: str | None = None
    try:
        import trafilatura
        from trafilatura.settings import set_date_params

        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
        logging.getLogger("htmldate").setLevel(logging.CRITICAL)
        result = trafilatura.bare_extraction(
            html,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            with_metadata=True,
            # Dates from the page's markup only: htmldate's search of the
            # running text turns "2019年" into 2019-01-01, a publication date
            # that then caps the document's year.  tracker.years.find_date
            # reads dates written in the text itself.
            date_extraction_params=set_date_params(extensive=False),
        )
    except Exception:  # noqa: BLE001 - trafilatura can fail on odd markup; use lxml
        result = None
    if result is not None:
        text = getattr(result, "text", None) or ""
        title = _clean_str(getattr(result, "title", None))
        raw_date = getattr(result, "date", None)
        if raw_date:
            try:
                date = _parse_date(raw_date)
            except ValueError:
                date = None
    if not text.strip():
        text = _html_fallback_text(html)
    title = title or _html_title(html)
    if not text.strip():
        yield InputError(
            str(path), "no text found in HTML page; check it is the article page, not a shell"
        )
        return
    yield Document(
        doc_id=path.stem,
        path=str(path),
        text=text.replace("\r\n", "\n"),
        title=title,
        date=date,
    )


def _read_pdf(path: Path) -> Iterator[Document | InputError]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield InputError(str(path), f"cannot read file ({_one_line(exc.strerror or str(exc))})")
        return
    if size == 0:
        yield _empty(str(path))
        return
    if not os.access(path, os.R_OK):
        yield InputError(str(path), "permission denied; make the file readable (chmod) or drop it")
        return
    try:
        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.CRITICAL)
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            yield InputError(
                str(path),
                "encrypted PDF (password needed); decrypt it (e.g. qpdf --decrypt) and retry",
            )
            return
        # Some generators put NUL between the characters of the text layer
        # (fpdf2 with a CID font): dropped, they would split every word.
        pages = [(page.extract_text() or "").replace("\r\n", "\n").replace("\x00", "")
                 for page in reader.pages]
    except PermissionError:
        yield InputError(str(path), "permission denied; make the file readable (chmod) or drop it")
        return
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken files
        reason = _one_line(f"{type(exc).__name__}: {exc}")[:200]
        yield InputError(
            str(path), f"corrupt or unreadable PDF ({reason}); re-export or repair it and retry"
        )
        return
    if not any(page.strip() for page in pages):
        yield InputError(
            str(path), "no text layer (scanned PDF?); OCR it first — tracker does no OCR"
        )
        return
    starts: list[int] = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + 1
    yield Document(
        doc_id=path.stem, path=str(path), text="\n".join(pages), page_starts=tuple(starts)
    )


def _docx_blocks(container: Any, seen: set[Any]) -> Iterator[str]:
    """Paragraph texts in document order; a table row is one line with its
    cells separated by tabs (城镇新增就业⇥3000人以上), so a figure stays next
    to the label of its row."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    # Merged cells repeat the same <w:tc>; keep the element itself
                    # (not its id(), which lxml may reuse once a proxy is freed).
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    cells.append(" ".join(t for t in _docx_blocks(cell, seen) if t.strip()))
                line = "\t".join(c for c in cells if c)
                if line:
                    yield line
        else:
            yield block.text


def _read_docx(path: Path) -> Iterator[Document | InputError]:
    data = _read_bytes(path)
    if isinstance(data, InputError):
        yield data
        return
    if not data:
        yield _empty(str(path))
        return
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_docx_blocks(document, set())).replace("\r\n", "\n")
    except Exception as exc:  # noqa: BLE001 - corrupt zips / XML raise many types
        reason = _one_line(f"{type(exc).__name__}: {exc}")[:200]
        yield InputError(
            str(path), f"corrupt or unreadable .docx ({reason}); re-save it in Word/LibreOffice"
        )
        return
    if not text.strip():
        yield _empty(str(path))
        return
    yield Document(doc_id=path.stem, path=str(path), text=text)


_JSONL_FIELDS = ("title", "year", "date", "locality", "source")
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


def _open_jsonl(path: Path) -> BinaryIO | InputError:
    try:
        return path.open("rb")
    except PermissionError:
        return InputError(str(path), "permission denied; make the file readable (chmod) or drop it")
    except OSError as exc:
        return InputError(str(path), f"cannot read file ({_one_line(exc.strerror or str(exc))})")


def _read_jsonl(path: Path) -> Iterator[Document | InputError]:
    handle = _open_jsonl(path)
    if isinstance(handle, InputError):
        yield handle
        return
    any_line = False  # every non-blank line gives at least one item
    with handle:
        for item in _jsonl_lines(path, handle, 1):
            any_line = True
            yield item
    if not any_line:
        yield _empty(str(path))


def _jsonl_lines(path: Path, lines: Iterable[bytes],
                 first_line: int) -> Iterator[Document | InputError]:
    """The items of JSONL ``lines`` (with or without their final ``b"\\n"``)
    numbered from ``first_line``: blank lines skipped, a byte order mark
    dropped from line 1."""
    for lineno, raw in enumerate(lines, start=first_line):
        if raw.endswith(b"\n"):
            # Lines of a file keep their break, pieces cut at b"\n" do not:
            # parsed with it, '"' fails as "Invalid control character" in one
            # reader and "Unterminated string" in the other.
            raw = raw[:-1]
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if raw.strip():
            yield from _jsonl_line(path, lineno, raw)


def _jsonl_line(path: Path, lineno: int, raw: bytes) -> Iterator[Document | InputError]:
    """The document of one non-blank JSONL line, after an error for each bad
    field; or the one error that makes the line unreadable."""
    where = f"{path}:{lineno}"
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield InputError(
            str(path),
            f"line is not UTF-8 (bad byte at column {exc.start + 1}); "
            "re-save the file as UTF-8",
            line=lineno,
        )
        return
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:
        msg = getattr(exc, "msg", type(exc).__name__)
        if line.startswith("\ufeff"):
            msg = "it starts with a byte order mark, which only a file's first line may have"
        yield InputError(
            str(path), f"line is not valid JSON ({msg}); fix or delete it", line=lineno
        )
        return
    if not isinstance(obj, dict):
        yield InputError(
            str(path),
            f"line is a JSON {_JSON_TYPES.get(type(obj), type(obj).__name__)}, not an object; "
            'write one {"id": ..., "text": ...} object per line',
            line=lineno,
        )
        return
    # A null or empty field falls back to its alternative name.
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        text = obj.get("content")
    if not isinstance(text, str) or not text.strip():
        yield InputError(
            str(path),
            'line has no "text" or "content" string (or it is empty); add the text',
            line=lineno,
        )
        return
    provided: set[str] = set()
    doc_id = _clean_str(obj.get("id"))
    if doc_id is None:
        doc_id = _clean_str(obj.get("doc_id"))
    if doc_id is not None:
        provided.add("doc_id")
    else:
        doc_id = f"{path.stem}-{lineno}"
    values: dict[str, Any] = {}
    fields = dict(obj)
    if "source" not in fields and "url" in fields:
        fields["source"] = fields["url"]
    for name in _JSONL_FIELDS:
        value = fields.get(name)
        if value is None or value == "":
            continue
        if name in _PARSED_FIELDS:
            parse, hint = _PARSED_FIELDS[name]
            try:
                values[name] = parse(value)
            except ValueError:
                yield InputError(
                    str(path),
                    f"bad {name} {_one_line(repr(value))[:40]}; "
                    f"{hint} (document read without it)",
                    line=lineno,
                    doc_id=doc_id,
                )
                continue
        else:
            cleaned = _clean_str(value)
            if cleaned is None:
                continue
            values[name] = cleaned
        provided.add(name)
    yield Document(
        doc_id=doc_id,
        path=where,
        text=text.replace("\r\n", "\n"),
        metadata_from=frozenset(provided),
        **values,
    )


_READERS = {
    ".txt": _read_text,
    ".md": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".jsonl": _read_jsonl,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


# --------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class _ManifestRow:
    """One manifest row: the manifest's path, the row's line and its parsed values."""

    manifest: str
    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class _Manifest:
    """A ``manifest.csv``, read.

    ``rows``: keyed by the resolved path of the file each names.
    ``problems``: in line order, each with the path its row names (resolved
    when it is a file; the folder for a row without a file name), or None
    for a problem of the manifest as a whole (unreadable, bad header, bad
    CSV).
    """

    rows: dict[Path, _ManifestRow]
    problems: list[tuple[Path | None, InputError]]


def _read_manifest(manifest: Path) -> _Manifest:
    """Read one ``manifest.csv``; never raises for bad content."""
    rows: dict[Path, _ManifestRow] = {}
    problems: list[tuple[Path | None, InputError]] = []
    where = str(manifest)
    data = _read_bytes(manifest)
    if isinstance(data, InputError):
        return _Manifest(rows, [(None, replace(data, stage="manifest"))])
    text = decode_bytes(data)
    if isinstance(text, DecodeError):
        if text.message.startswith("empty"):
            return _Manifest(rows, [])
        return _Manifest(rows, [(None, InputError(where, text.message, offset=text.offset,
                                                  stage="manifest"))])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return _Manifest(rows, [])
    columns = [h.strip().lower() for h in header]
    if "file" not in columns:
        problems.append((None, InputError(
            where,
            "manifest has no 'file' column; first row must name columns, e.g. "
            + ",".join(MANIFEST_COLUMNS),
            line=1,
            stage="manifest",
        )))
        return _Manifest(rows, problems)
    unknown = [c for c in columns if c and c not in MANIFEST_COLUMNS]
    if unknown:
        problems.append((None, InputError(
            where,
            f"manifest columns {', '.join(unknown)} are ignored; known columns: "
            + ",".join(MANIFEST_COLUMNS),
            line=1,
            stage="manifest",
        )))
    base = manifest.parent
    places: dict[str, tuple[str, ...] | None] = {}  # memo for _locality_notice
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append((None, InputError(where, f"bad CSV ({exc}); fix the quoting",
                                              line=line, stage="manifest")))
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(columns, (cell.strip() for cell in row), strict=False))
        name = cells.get("file", "")
        if not name:
            problems.append((base, InputError(
                where, "manifest row has no file name; fill the 'file' column",
                line=start, stage="manifest")))
            continue
        target = base / name
        if not target.is_file():
            problems.append((target, InputError(
                where,
                f"manifest names {name!r} but no such file exists in {base}; "
                "fix the name or delete the row",
                line=start,
                stage="manifest",
            )))
            continue
        key = target.resolve()
        values: dict[str, Any] = {}
        for column in ("doc_id", "locality", "title", "source"):
            if cells.get(column):
                values[column] = _one_line(cells[column])
        for column, (parse, hint) in _PARSED_FIELDS.items():
            if not cells.get(column):
                continue
            try:
                values[column] = parse(cells[column])
            except ValueError:
                problems.append((key, InputError(
                    where,
                    f"bad {column} {cells[column]!r} for {name!r}; {hint} "
                    "(file read without it)",
                    line=start,
                    stage="manifest",
                )))
        if key in rows:
            problems.append((key, InputError(
                where,
                f"{name!r} is listed twice (first on line {rows[key].line}); "
                "keep one row per file",
                line=start,
                stage="manifest",
            )))
            continue
        if "locality" in values:
            notice = _locality_notice(values["locality"], name, places)
            if notice is not None:
                problems.append((key, InputError(where, notice, line=start, stage="notice")))
        rows[key] = _ManifestRow(where, start, values)
    return _Manifest(rows, problems)


def _locality_notice(locality: str, name: str,
                     memo: dict[str, tuple[str, ...] | None]) -> str | None:
    """The notice for a manifest ``locality`` that gets no 行政区划代码, else None.

    Such a name is kept as given (the gazetteer may lack a unit), but its
    documents get no ``locality_code`` and so drop out of code-based
    comparisons: most often a typo (杭洲市) or a name several units share
    (城中区), which the researcher should see.  ``memo`` caches the
    gazetteer's answer per name.
    """
    from tracker.localities import NATIONAL_ALIASES, unresolved

    if locality not in memo:
        memo[locality] = unresolved(locality)
    candidates = memo[locality]
    if candidates is None:
        return None
    if candidates:
        more = ", …" if len(candidates) > 4 else ""
        why = f"is ambiguous ({', '.join(candidates[:4])}{more})"
        advice = f"write the full name, e.g. {candidates[0]}"
    elif locality in NATIONAL_ALIASES:
        why, advice = "is not in the gazetteer", "write 全国 for the whole country"
    else:
        why, advice = "is not in the gazetteer", "check the spelling (the name is kept as given)"
    return (f"locality {locality!r} for {name!r} {why}, so it gets no locality_code "
            f"(行政区划代码); {advice}")


def _apply_manifest(doc: Document, row: _ManifestRow, *, jsonl: bool) -> Document:
    """Manifest values override inferred ones; for JSONL lines they only fill gaps."""
    changes: dict[str, Any] = {}
    for name, value in row.values.items():
        if jsonl and (name == "doc_id" or name in doc.metadata_from):
            continue
        changes[name] = value
    if not changes:
        return doc
    return replace(doc, metadata_from=doc.metadata_from | frozenset(changes), **changes)


class _Manifests:
    """The manifests met in one pass over the input: each read once, each
    problem reported once, and the row each file gets from them."""

    def __init__(self) -> None:
        self._read: dict[Path, _Manifest] = {}  # by resolved folder
        self._reported: set[tuple[Path, int]] = set()  # (folder, index of the problem)
        # Every row read for a file, with the depth of its manifest's folder.
        self._rows: dict[Path, list[tuple[int, _ManifestRow]]] = {}

    def enter(self, folder: Path, only: Path | None = None) -> Iterator[InputError]:
        """Read ``folder/manifest.csv`` (once per pass; the caller checks it
        exists) and yield its problems not reported yet.

        For a walked folder (``only`` None) that is all of them.  For a file
        given by itself, ``only`` is its resolved path: the problems of the
        manifest as a whole and of that file's own row, since rows about the
        folder's other files are not this run's business.
        """
        try:
            real = folder.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
            real = folder.absolute()
        manifest = self._read.get(real)
        if manifest is None:
            path = folder / MANIFEST_NAME
            if _is_special(path):
                manifest = _Manifest({}, [(None, replace(_special_error(path), stage="manifest"))])
            else:
                manifest = _read_manifest(path)
            self._read[real] = manifest
            for key, row in manifest.rows.items():
                self._rows.setdefault(key, []).append((len(real.parts), row))
        for i, (key, problem) in enumerate(manifest.problems):
            if (only is None or key is None or key == only) and (real, i) not in self._reported:
                self._reported.add((real, i))
                yield problem

    def row(self, real: Path, file: Path) -> tuple[_ManifestRow | None, list[InputError]]:
        """The manifest row of ``file`` (resolved: ``real``), and its notices.

        When several manifests read so far name the file (a folder's and a
        subfolder's), their rows are merged column by column: the manifest
        of the deeper folder, nearer the file, wins each column it fills,
        and the others fill the rest.  Each value so overridden gets a
        notice (``stage="notice"``) at its own manifest line, naming the
        value that wins.
        """
        found = self._rows.get(real)
        if not found:
            return None, []
        if len(found) == 1:
            return found[0][1], []
        rows = [row for _, row in sorted(found, key=lambda f: f[0])]  # stable: read order
        notices: list[InputError] = []
        values: dict[str, Any] = {}
        origin: dict[str, _ManifestRow] = {}  # the row each value comes from
        for row in rows:
            for column, value in row.values.items():
                before = origin.get(column)
                if before is not None and values[column] != value:
                    notices.append(InputError(
                        before.manifest,
                        f"{column} {values[column]!r} for {file} is ignored: {row.manifest} "
                        f"line {row.line} gives {value!r} (the manifest nearer the file wins)",
                        line=before.line,
                        stage="notice",
                    ))
                values[column] = value
                origin[column] = row
        return _ManifestRow(rows[-1].manifest, rows[-1].line, values), notices


# --------------------------------------------------------------------------- walking


def _walk(
    root: Path, manifests: _Manifests, visited: set[Path]
) -> Iterator[tuple[Path, bool] | InputError]:
    """``(file, explicit=False)`` for files under ``root``, sorted, hidden
    entries skipped; each folder's ``manifest.csv`` is read (``manifests``)
    before its files and subfolders, and its problems are yielded."""
    try:
        real = root.resolve()
    except OSError as exc:
        yield InputError(str(root), f"cannot resolve directory ({exc}); check the path")
        return
    if real in visited:
        return  # symlink loop or the same directory given twice
    visited.add(real)
    try:
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except PermissionError:
        yield InputError(
            str(root), "permission denied on directory; make it readable (chmod) or drop it"
        )
        return
    except OSError as exc:
        yield InputError(str(root), f"cannot list directory ({exc.strerror or exc})")
        return
    if any(e.name == MANIFEST_NAME for e in entries):
        yield from manifests.enter(root)
    for entry in entries:
        if entry.name.startswith(".") or entry.name == MANIFEST_NAME:
            continue
        path = root / entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, manifests, visited)
        elif _is_special(path):
            yield _special_error(path)
        else:
            yield (path, False)


def _is_special(path: Path) -> bool:
    """True for a FIFO, socket or device: reading one can block forever."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False  # a broken link or a vanished file: the reader reports it
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _special_error(path: Path) -> InputError:
    return InputError(
        str(path),
        "not a regular file (pipe, socket or device); skipped so the run cannot hang — "
        "copy its contents to a file",
    )


def _template_fields(template: str) -> set[str]:
    names: set[str] = set()
    for _, field_name, _, _ in string.Formatter().parse(template):
        if field_name is None:
            continue
        base = re.split(r"[.\[]", field_name, maxsplit=1)[0]
        if base != field_name:
            # {stem.upper} formats a method's repr (a memory address: ids
            # that differ from run to run), {year[0]} fails on every document.
            raise ValueError(
                f"doc_id_template {template!r} uses {{{field_name}}}; use plain fields "
                f"({', '.join(sorted(TEMPLATE_FIELDS))}) with an optional format such "
                "as {year:04d}"
            )
        if base == "" or base.isdigit():
            raise ValueError(
                f"doc_id_template {template!r} uses a positional field; use named fields "
                f"({', '.join(sorted(TEMPLATE_FIELDS))})"
            )
        names.add(base)
    unknown = names - TEMPLATE_FIELDS
    if unknown:
        raise ValueError(
            f"doc_id_template {template!r} uses unknown field(s) {', '.join(sorted(unknown))}; "
            f"available: {', '.join(sorted(TEMPLATE_FIELDS))}"
        )
    return names


def _apply_template(
    doc: Document, template: str, names: set[str], file: Path, line: int | None
) -> Document | InputError:
    values: dict[str, Any] = {
        "stem": file.stem,
        # A whole file is one document that starts on its line 1: so
        # '{stem}-{line}' also names the files of a folder that mixes JSONL
        # corpora with reports (a.txt -> a-1) instead of failing on each.
        "line": 1 if line is None else line,
        "year": doc.year,
        "title": doc.title,
        "locality": doc.locality,
        "date": doc.date,
        "id": doc.doc_id,
    }
    missing = sorted(n for n in names if values.get(n) in (None, ""))
    if missing:
        return InputError(
            str(file),
            f"doc_id_template {template!r} needs {', '.join(missing)}, which this document "
            "lacks; supply it (manifest/JSONL field) or change the template",
            doc_id=doc.doc_id,
            line=line,
        )
    try:
        new_id = template.format(**values)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        return InputError(
            str(file),
            f"doc_id_template {template!r} failed ({_one_line(str(exc))}); fix the template",
            doc_id=doc.doc_id,
            line=line,
        )
    new_id = _one_line(new_id)
    if not new_id:
        return InputError(
            str(file),
            f"doc_id_template {template!r} gave an empty id; change the template",
            doc_id=doc.doc_id,
            line=line,
        )
    return replace(doc, doc_id=new_id)


def _line_of(path: str, file: Path) -> int | None:
    """The JSONL line number in a document ``path`` (``file.jsonl:LINE``), else None."""
    prefix = f"{file}:"
    if path.startswith(prefix) and path[len(prefix) :].isdigit():
        return int(path[len(prefix) :])
    return None


def read_inputs(
    paths: Sequence[str | Path], *, doc_id_template: str | None = None
) -> Iterator[Document | InputError]:
    """Stream documents and input problems from files and directories.

    Args:
        paths: files and/or directories.  Directories are walked recursively in
            sorted name order; entries whose name starts with ``.`` are skipped,
            and so are files with unsupported extensions (each reported as an
            ``InputError`` with ``stage="skip"``, as is a file reached a second
            time, which is read once).  A ``manifest.csv`` in a walked
            directory (columns ``file,doc_id,locality,year,date,title,source``,
            any subset with ``file``; ``file`` relative to the manifest) supplies
            metadata that overrides inference; overridden names are recorded in
            ``Document.metadata_from``.  For a ``.jsonl`` file, manifest values
            only fill fields the line leaves empty and ``doc_id`` is not applied.
            When a folder's manifest and a subfolder's both have a row for a
            file, the rows are merged column by column: the subfolder's (the
            one nearer the file) wins each column it fills, and a parent
            value it overrides is reported as a notice.  A file given by
            itself gets the row of the ``manifest.csv`` beside it, as when
            its folder is given (only that manifest's own problems and those
            of the file's row are reported).
        doc_id_template: optional ``str.format`` template for every document's
            ``doc_id`` over ``stem``, ``line`` (JSONL line number; 1 for a
            whole file, so ``"{stem}-{line}"`` names ``a.txt`` ``a-1``),
            ``year``, ``title``, ``locality``, ``date`` and ``id`` (the id it
            would otherwise get), e.g. ``"gwr_{year}"``; plain fields only,
            each with an optional format (``{line:03d}``).

    Yields:
        ``Document`` for each readable text (one per JSONL line; ``path`` is
        ``file.jsonl:LINE``), and ``InputError`` for each problem: missing
        or empty path, permission denied, empty or binary file, undecodable text (with
        byte ``offset``), bad JSONL line (with ``line``), PDF without text layer
        or corrupt, bad manifest row (``stage="manifest"``, with ``line``),
        missing template field, or a ``doc_id`` already used (the later
        document is dropped and the error names the first path).  Notices
        (``stage="notice"``, at the manifest's ``line``; they do not fail a
        run) flag a manifest ``locality`` the gazetteer cannot resolve to a
        code (unknown or ambiguous: kept as given, but its documents get no
        ``locality_code``) and a parent manifest's value that a subfolder's
        manifest overrides.  A manifest's problems come before the files it
        describes.  Order is deterministic; nothing is raised for bad input,
        and only one document is held in memory at a time.

    Raises:
        ValueError: at call time, if ``doc_id_template`` is malformed or uses a
            field name not listed above.
    """
    names = _template_fields(doc_id_template) if doc_id_template is not None else set()
    return _read_inputs(list(paths), doc_id_template, names)


_Reader = Callable[[Path], Iterator[Document | InputError]]


def _sources(paths: list[str | Path]) -> Iterator[tuple[Path, _Reader, _ManifestRow | None]
                                                  | InputError]:
    """Every file to read under ``paths`` with its reader and manifest row,
    in input order, and the problems found while walking (manifest problems
    and notices before the files they concern)."""
    manifests = _Manifests()
    visited: set[Path] = set()
    read: set[Path] = set()
    for given in paths:
        root = Path(given)
        items: Iterable[tuple[Path, bool] | InputError]
        if not str(given).strip():
            # Path("") is the current folder: an empty argument (an unset
            # shell variable) must not read whatever folder the run is in.
            items = [InputError(repr(str(given)), "empty path; give a file or a folder")]
        elif root.is_dir():
            items = _walk(root, manifests, visited)
        elif root.exists():
            items = [_special_error(root) if _is_special(root) else (root, True)]
        elif root.is_symlink():
            items = [InputError(str(root), "broken symlink; fix or remove it")]
        else:
            items = [InputError(str(root), "no such file or directory; check the path")]
        for item in items:
            if isinstance(item, InputError):
                yield item
                continue
            file, explicit = item
            reader = _READERS.get(file.suffix.lower())
            if reader is None:
                if explicit:
                    yield InputError(
                        str(file),
                        f"unsupported file type {file.suffix or '(none)'!r}; {_SUPPORTED_MSG}",
                    )
                else:
                    yield InputError(
                        str(file),
                        f"skipped: unsupported file type {file.suffix or '(none)'!r}; "
                        f"{_SUPPORTED_MSG}",
                        stage="skip",
                    )
                continue
            try:
                real, resolved = file.resolve(), True
            except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
                real, resolved = file.absolute(), False  # the reader reports it
            if real in read:
                yield InputError(str(file), "skipped: already read (the file is given twice, "
                                 "directly or through a folder)", stage="skip")
                continue
            read.add(real)
            row = None
            if resolved:
                if explicit and os.path.lexists(file.parent / MANIFEST_NAME):
                    # A file given by itself gets the metadata its folder's
                    # manifest gives it, as when the folder is given.
                    yield from manifests.enter(file.parent, only=real)
                row, notices = manifests.row(real, file)
                yield from notices
            yield file, reader, row


def _prepared(doc: Document, file: Path, row: _ManifestRow | None, jsonl: bool,
              template: str | None, names: set[str]) -> Document | InputError:
    """``doc`` with its manifest row and ``doc_id`` template applied."""
    if row is not None:
        doc = _apply_manifest(doc, row, jsonl=jsonl)
    if template is not None:
        return _apply_template(doc, template, names, file, _line_of(doc.path, file))
    return doc


class DocIds:
    """The ``doc_id`` check of a run: a document whose id was used before is
    refused, so ids stay unique in every output table."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def refuse(self, doc_id: str, path: str, file: Path) -> InputError | None:
        """None for a new ``doc_id`` (now taken by ``path``), else the error
        that replaces the later document (read from ``file``)."""
        first = self.seen.get(doc_id)
        if first is None:
            self.seen[doc_id] = path
            return None
        return InputError(
            str(file),
            f"duplicate doc_id {doc_id!r} (first used by {first}); give the "
            "documents distinct ids (manifest doc_id or --doc-id template)",
            doc_id=doc_id,
            line=_line_of(path, file),
        )


def _read_inputs(
    paths: list[str | Path], template: str | None, names: set[str]
) -> Iterator[Document | InputError]:
    ids = DocIds()
    for src in _sources(paths):
        if isinstance(src, InputError):
            yield src
            continue
        file, reader, row = src
        for result in reader(file):
            if not isinstance(result, InputError):
                result = _prepared(result, file, row, reader is _read_jsonl, template, names)
            if isinstance(result, Document):
                result = ids.refuse(result.doc_id, result.path, file) or result
            yield result


# --------------------------------------------------------------------------- parts

#: A JSONL part read by one worker holds about this many bytes of lines.
PART_BYTES = 2_000_000
#: A part of other inputs holds at most this many files (or PART_BYTES of them).
PART_FILES = 32
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Source:
    """A piece of the input that one worker reads: ``file`` with its manifest
    ``row``; for a JSONL file, the lines in bytes ``[start, end)`` of it, the
    first of which is line ``first_line`` (``end`` None: the whole file)."""

    file: Path
    row: _ManifestRow | None = None
    start: int = 0
    end: int | None = None
    first_line: int = 1


def input_parts(paths: Sequence[str | Path], *, doc_id_template: str | None = None,
                part_bytes: int = PART_BYTES,
                part_files: int = PART_FILES) -> Iterator[list[Source | InputError]]:
    """The input cut into parts for worker processes to read, in input order.

    Walks ``paths`` as :func:`read_inputs` does (problems found while walking
    are items of the parts, in place).  A JSONL file is cut at line ends into
    pieces of about ``part_bytes``; other files are grouped up to
    ``part_files`` files or ``part_bytes`` bytes.  Only the JSONL files are
    read here, block by block, for their line ends: memory stays flat.
    :func:`read_part` turns a part into documents (with the same
    ``doc_id_template``); together with :class:`DocIds` in input order they
    give what :func:`read_inputs` gives.

    Raises:
        ValueError: at call time, for a malformed ``doc_id_template`` (see
            :func:`read_inputs`).
    """
    if doc_id_template is not None:
        _template_fields(doc_id_template)
    return _input_parts(list(paths), part_bytes, part_files)


def _input_parts(paths: list[str | Path], part_bytes: int,
                 part_files: int) -> Iterator[list[Source | InputError]]:
    part: list[Source | InputError] = []
    size = 0
    for src in _sources(paths):
        if isinstance(src, InputError):
            part.append(src)
            continue
        file, reader, row = src
        if reader is _read_jsonl:
            for piece in _jsonl_pieces(file, row, part_bytes):
                part.append(piece)
                if isinstance(piece, Source):
                    yield part
                    part, size = [], 0
            continue
        part.append(Source(file, row))
        with contextlib.suppress(OSError):  # the reader reports a file it cannot stat
            size += file.stat().st_size
        if len(part) >= part_files or size >= part_bytes:
            yield part
            part, size = [], 0
    if part:
        yield part


def _jsonl_pieces(path: Path, row: _ManifestRow | None,
                  part_bytes: int) -> Iterator[Source | InputError]:
    """``path`` cut at line ends into pieces of about ``part_bytes``, then the
    error of an unreadable file or of one with no non-blank line."""
    handle = _open_jsonl(path)
    if isinstance(handle, InputError):
        yield handle
        return
    start, first = 0, 1  # the current piece's first byte and the number of its first line
    seen = 0  # line breaks counted in the piece so far
    base = 0  # file offset of the block
    any_line = False
    with handle:
        while block := handle.read(_BLOCK):
            if not any_line:
                lead = codecs.BOM_UTF8 if base == 0 and block.startswith(codecs.BOM_UTF8) else b""
                any_line = bool(block[len(lead):].strip())
            i = 0  # block[:i] is counted in ``seen``
            # The piece ends at the first line break that makes it part_bytes long.
            while (want := start + part_bytes - base) <= len(block):
                nl = block.find(b"\n", max(want - 1, i))
                if nl < 0:
                    break
                seen += block.count(b"\n", i, nl + 1)
                yield Source(path, row, start, base + nl + 1, first)
                start, first, seen, i = base + nl + 1, first + seen, 0, nl + 1
            seen += block.count(b"\n", i)
            base += len(block)
    if start < base:
        yield Source(path, row, start, base, first)
    if not any_line:
        yield _empty(str(path))


def _read_jsonl_piece(src: Source) -> Iterator[Document | InputError]:
    """The lines of a JSONL piece, read as :func:`_read_jsonl` reads them."""
    handle = _open_jsonl(src.file)
    if isinstance(handle, InputError):
        yield handle  # gone since it was cut
        return
    with handle:
        handle.seek(src.start)
        data = handle.read((src.end or 0) - src.start)
    # Split at b"\n" only, as iterating a binary file does (_jsonl_lines
    # drops the break that iterating keeps).
    yield from _jsonl_lines(src.file, data.split(b"\n"), src.first_line)


def read_part(part: Sequence[Source | InputError], template: str | None = None
              ) -> Iterator[tuple[Path | None, Document | InputError]]:
    """Documents and problems of a part from :func:`input_parts`, each with
    the file it comes from (None for a problem found while walking).

    As :func:`read_inputs` gives them, with ``template`` applied, except that
    ``doc_id`` duplicates are not refused yet: that takes the whole run, in
    input order (:class:`DocIds`).  Raises ValueError for a malformed
    ``template``, like :func:`read_inputs`.
    """
    names = _template_fields(template) if template is not None else set()
    for src in part:
        if isinstance(src, InputError):
            yield None, src
            continue
        reader = _READERS[src.file.suffix.lower()]
        jsonl = reader is _read_jsonl
        results = (_read_jsonl_piece(src) if jsonl and src.end is not None
                   else reader(src.file))
        for result in results:
            if not isinstance(result, InputError):
                result = _prepared(result, src.file, src.row, jsonl, template, names)
            yield src.file, result
