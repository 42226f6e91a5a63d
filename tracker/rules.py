"""Rule files in ``rules/``: loading, validation and error reporting.

Rules are TOML files a researcher can read and edit (units, qualifiers,
exclusions, cue words, categories, indicator synonyms, slogan lexicons).  This
module reads them once per process, checks every table against a schema of
allowed fields, compiles regexes with the ``regex`` module, and turns any
problem into a :class:`RuleError` naming the file, the line and the reason.

Each stage module declares the file it reads and the fields it allows through
:func:`read_rule_file`; ``tracker rules check`` then runs every rule's
examples through the real extractor (see :mod:`tracker.rulecheck`).
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from tracker import PROJECT_ROOT

#: Seconds any single rule regex may run on one piece of text before the run
#: reports it and moves on (a pathological pattern cannot hang a corpus run).
REGEX_TIMEOUT = 1.0


class RuleError(Exception):
    """A rule file is unreadable or invalid.

    Attributes: ``path`` (the file), ``line`` (1-based, when it can be located)
    and ``reason``.  ``str()`` gives ``path:line: reason`` on one line.
    """

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


def rules_dir(directory: Path | str | None = None) -> Path:
    """The rules directory: the argument, ``$TRACKER_RULES``, or ``<repo>/rules``."""
    if directory is not None:
        return Path(directory)
    env = os.environ.get("TRACKER_RULES")
    return Path(env) if env else PROJECT_ROOT / "rules"


def line_of(text: str, needle: str, start_line: int = 1) -> int | None:
    """1-based line of the first occurrence of ``needle`` at or after ``start_line``."""
    lines = text.splitlines()
    for i in range(max(start_line - 1, 0), len(lines)):
        if needle in lines[i]:
            return i + 1
    return None


@dataclass(frozen=True)
class RuleFile:
    """A parsed rule file: its path, raw text (for line lookups) and data."""

    path: Path
    text: str
    data: Mapping[str, Any]

    def line(self, needle: str) -> int | None:
        """Line of ``needle`` in the file (for error messages), if found."""
        return line_of(self.text, needle)

    def error(self, reason: str, needle: str | None = None) -> RuleError:
        """A :class:`RuleError` for this file, located at ``needle`` if given."""
        return RuleError(self.path, reason, self.line(needle) if needle else None)


def read_rule_file(
    name: str,
    tables: Mapping[str, Iterable[str]],
    *,
    directory: Path | str | None = None,
    top_level: Iterable[str] = (),
) -> RuleFile:
    """Read and schema-check ``rules/<name>``.

    ``tables`` maps each allowed top-level key (an array of tables such as
    ``unit`` or a table of tables such as ``category``) to the set of field
    names its entries may use; ``top_level`` lists allowed plain keys.
    Raises :class:`RuleError` for a missing file, a TOML syntax error (with its
    line) or an unknown key or field (with the line it is on).
    """
    path = rules_dir(directory) / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(path, f"cannot read rule file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RuleError(path, f"rule files must be UTF-8 ({exc.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError only says "(at line N, column M)".
        found = regex.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else getattr(exc, "lineno", None)
        msg = str(exc).split(" (at line")[0]
        raise RuleError(path, f"TOML syntax error: {msg}", line) from None
    rf = RuleFile(path, text, data)
    allowed_top = set(tables) | set(top_level)
    for key, value in data.items():
        if key not in allowed_top:
            raise rf.error(f"unknown key {key!r}; allowed: {', '.join(sorted(allowed_top))}", key)
        if key not in tables:
            continue
        fields = set(tables[key])
        entries = value.values() if isinstance(value, dict) else value
        if not isinstance(entries, Iterable):
            raise rf.error(f"{key!r} must be a list of tables", key)
        for entry in entries:
            if not isinstance(entry, dict):
                raise rf.error(f"each {key!r} entry must be a table", key)
            for field in entry:
                if field not in fields:
                    raise rf.error(
                        f"unknown field {field!r} in [{key}]; allowed: {', '.join(sorted(fields))}",
                        f"{field} =",
                    )
    return rf


#: Flags of a pattern compiled with no inline flags.  Only such patterns are
#: merged or read for literals: an inline (?i) or (?x) changes what the text
#: of the pattern means.
PLAIN_FLAGS = regex.compile("").flags


def compile_pattern(rf: RuleFile, pattern: Any, what: str) -> regex.Pattern[str]:
    """Compile a rule's regex, or raise :class:`RuleError` at its line."""
    if not isinstance(pattern, str):
        raise rf.error(f"{what} must be a string, got {type(pattern).__name__}")
    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise rf.error(f"invalid regex in {what}: {exc}", pattern[:30]) from None


def string_list(rf: RuleFile, value: Any, what: str) -> tuple[str, ...]:
    """A list of strings from a rule field, or raise :class:`RuleError`."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise rf.error(f"{what} must be a list of strings", what.split(".")[-1])
    return tuple(value)


def longest_first(words: Iterable[str]) -> tuple[str, ...]:
    """Distinct ``words``, longest first (ties in code-point order): the order
    a regex alternation must try them in to prefer 过去五年 over 五年."""
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


def word_alternation(words: Iterable[str]) -> str:
    """A regex alternation matching any of ``words`` literally, longest first;
    ``(?!)`` (never matches) for no words."""
    return "|".join(regex.escape(w) for w in longest_first(words)) or "(?!)"


def rules_version(directory: Path | str | None = None) -> str:
    """Hash of every rule file's bytes: changes whenever any rule changes.

    Used to key the extraction cache, so editing a rule re-extracts.
    """
    h = hashlib.sha256()
    base = rules_dir(directory)
    for p in sorted(base.rglob("*")):
        if p.is_file() and p.suffix in {".toml", ".csv", ".tsv", ".txt"}:
            h.update(str(p.relative_to(base)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]
