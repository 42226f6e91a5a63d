"""Incremental extraction cache: one entry per document, keyed on content and rules.

A second ``tracker extract``/``report`` over an unchanged corpus reads and
hashes each document (cheap) and takes its rows from the cache instead of
extracting them (the expensive part).

**Key.** ``blake2b`` over the *fingerprint* and the document: its text and
every metadata field that reaches an output row (``doc_id``, title, locality,
year, date, source, which fields came from metadata, page starts).  The
fingerprint is :func:`tracker.rules.rules_version` (every rule file, gazetteer
included) plus a hash of the tracker's own source files, so editing any rule
or upgrading the code re-extracts.  ``path`` is not in the key: a moved or
re-ordered corpus still hits, and the cached rows get the new path.

**What is reused and what is not.** Rules interact (a slogan hides a number, a
boilerplate marker moves the body, the gazetteer decides the locality), so the
rules version is one key for all of them: changing one rule file re-extracts
every document, but only once, in the same run that reads them; reading
(decoding, HTML/PDF text extraction) is not cached, as the key needs the text.
Entries of other fingerprints are left in place (``prune`` removes them).

**Layout and robustness.** ``<root>/<fingerprint>/<k[:2]>/<k>.json.gz``, each a
gzip'd JSON object ``{"key": ..., "result": {...}}`` (plain JSON: loading
never runs code).  Writes go to a temporary file in the same folder, then
``os.replace`` — a crash leaves a whole entry or none.  An entry that cannot
be read, decompressed or parsed, or whose stored key differs, is a miss (and
is overwritten); failed documents are never cached.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import zlib
from dataclasses import asdict
from pathlib import Path

from tracker.model import Document
from tracker.rules import rules_version

__all__ = ["Cache", "default_cache_dir", "fingerprint"]

ENTRY_SUFFIX = ".json.gz"


@functools.lru_cache(maxsize=8)
def _code_version() -> str:
    h = hashlib.blake2b(digest_size=8)
    here = Path(__file__).resolve().parent
    for p in sorted(here.glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def fingerprint(rules_directory: Path | str | None = None) -> str:
    """Rules version + code version: entries under other fingerprints are stale."""
    return f"{rules_version(rules_directory)}-{_code_version()}"


def default_cache_dir(out: Path) -> Path:
    """``$TRACKER_CACHE_DIR`` if set, else ``<out>/.tracker-cache``."""
    env = os.environ.get("TRACKER_CACHE_DIR")
    return Path(env) if env else Path(out) / ".tracker-cache"


def doc_key(doc: Document, fp: str) -> str:
    """Cache key of one document under fingerprint ``fp`` (path excluded)."""
    h = hashlib.blake2b(digest_size=20)
    meta = [fp, doc.doc_id, doc.title, doc.locality, doc.year, doc.date, doc.source,
            sorted(doc.metadata_from), list(doc.page_starts)]
    h.update(json.dumps(meta, ensure_ascii=False).encode())
    h.update(b"\0")
    h.update(doc.text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class Cache:
    """Per-document result store under ``root`` for the current fingerprint.

    Picklable (a path and a string), so worker processes can write entries.
    """

    def __init__(self, root: Path | str, fp: str | None = None) -> None:
        self.root = Path(root)
        self.fp = fp or fingerprint()
        self.dir = self.root / self.fp

    def key(self, doc: Document) -> str:
        return doc_key(doc, self.fp)

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / (key + ENTRY_SUFFIX)

    def get(self, key: str, doc: Document | None = None):
        """The cached :class:`~tracker.pipeline.DocResult`, or None on a miss.

        With ``doc`` given, paths in the cached rows are set to ``doc.path``.
        """
        from tracker.pipeline import DocResult

        try:
            data = json.loads(gzip.decompress(self._path(key).read_bytes()))
            if data.get("key") != key:
                return None
            res = DocResult(**data["result"])
        except (OSError, EOFError, zlib.error, gzip.BadGzipFile, ValueError, TypeError,
                KeyError, AttributeError):
            return None  # missing or corrupt: a miss
        if doc is not None:
            res.document["path"] = doc.path
            for e in res.errors:
                e["path"] = doc.path
        return res

    def put(self, key: str, result) -> bool:
        """Store ``result`` atomically; False (and nothing stored) on any OS error.

        Failed documents are not stored (their failure may be transient).
        """
        if result.document.get("status") != "ok":
            return False
        payload = json.dumps({"key": key, "result": asdict(result)}, ensure_ascii=False,
                             separators=(",", ":")).encode()
        path = self._path(key)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=ENTRY_SUFFIX)
            with os.fdopen(fd, "wb") as fh:
                fh.write(gzip.compress(payload, compresslevel=1, mtime=0))
            os.replace(tmp, path)
            return True
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return False

    def prune(self) -> int:
        """Delete entries of other fingerprints (old rules or code); returns folders removed."""
        n = 0
        if not self.root.is_dir():
            return 0
        for p in self.root.iterdir():
            if p.is_dir() and p.name != self.fp:
                shutil.rmtree(p, ignore_errors=True)
                n += 1
        return n
