"""Tests for tracker.writers: every format, atomic replacement, determinism."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests._sample_tables import sample_tables
from tracker import writers
from tracker.writers import FORMATS, search_sqlite, sheet_names, write_tables


@pytest.fixture
def tables() -> dict[str, pl.DataFrame]:
    return sample_tables()


def _leftover_temps(d: Path) -> list[Path]:
    return [p for p in d.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]


def test_unknown_format_is_one_line_value_error(tmp_path: Path, tables) -> None:
    with pytest.raises(ValueError) as exc:
        write_tables(tables, tmp_path, ["csv", "xls"])
    msg = str(exc.value)
    assert "\n" not in msg
    assert "'xls'" in msg
    for f in FORMATS:
        assert f in msg
    assert list(tmp_path.iterdir()) == []  # nothing written when the request is bad


def test_csv_utf8_with_and_without_bom(tmp_path: Path, tables) -> None:
    paths = write_tables(tables, tmp_path / "plain")
    assert {p.name for p in paths} == {f"{n}.csv" for n in tables}
    raw = (tmp_path / "plain" / "commitments.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "新建6个社区养老服务中心".encode() in raw

    write_tables(tables, tmp_path / "bom", ["csv"], excel_bom=True)
    raw = (tmp_path / "bom" / "commitments.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\n", 1)[0].decode()
    assert header.split(",")[:14] == list(writers.COLUMN_ORDER["commitments"])
    assert header.split(",")[14] == "locality_code"  # extra columns follow
    back = pl.read_csv(tmp_path / "bom" / "commitments.csv", encoding="utf8")
    row = back.filter(pl.col("object") == "社区养老服务中心").row(0, named=True)
    assert row["value"] == 6.0 and row["unit"] == "个" and row["value_max"] is None


def test_csv_column_order_is_canonical_whatever_the_input_order(tmp_path: Path, tables) -> None:
    shuffled = {
        "commitments": tables["commitments"].select(reversed(tables["commitments"].columns))
    }
    write_tables(shuffled, tmp_path)
    header = (tmp_path / "commitments.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split(",")[:3] == ["doc_id", "locality", "kind"]


def test_jsonl_keeps_chinese_unescaped(tmp_path: Path, tables) -> None:
    write_tables(tables, tmp_path, ["jsonl"])
    lines = (tmp_path / "commitments.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == tables["commitments"].height
    assert "\\u" not in lines[0] and "长治市上党区" in lines[0]
    first = json.loads(lines[0])
    assert first["value"] == 6.0 and first["value_max"] is None and first["year"] == 2021


def test_parquet_round_trip(tmp_path: Path, tables) -> None:
    write_tables(tables, tmp_path, ["parquet"])
    back = pl.read_parquet(tmp_path / "commitments.parquet")
    assert back.equals(writers.order_columns("commitments", tables["commitments"]))
    assert back.schema["year"] == pl.Int64 and back.schema["value_max"] == pl.Float64


def test_xlsx_one_workbook_sheets_headers_numbers_freeze(tmp_path: Path, tables) -> None:
    tables = {**tables, "slogans_by_locality_and_year_extra_long_name": tables["slogans"]}
    (path,) = write_tables(tables, tmp_path, ["xlsx"])
    assert path.name == "tracker.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:7] == list(sample_tables())
    assert all(len(n) <= 31 for n in wb.sheetnames)
    assert wb.sheetnames[7] == "slogans_by_locality_and_year_ex"

    ws = wb["commitments"]
    header = [c.value for c in ws[1]]
    assert header[:14] == list(writers.COLUMN_ORDER["commitments"])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:O{tables['commitments'].height + 1}"
    col = {name: i for i, name in enumerate(header)}
    row2 = [c for c in ws[2]]
    assert row2[col["quote"]].value == "新建6个社区养老服务中心"
    assert row2[col["value"]].value == 6 and row2[col["value"]].data_type == "n"
    assert row2[col["year"]].value == 2021 and row2[col["year"]].data_type == "n"
    assert row2[col["value_max"]].value is None  # null -> blank, not "null"/""
    # the range pledge keeps both bounds as numbers
    gdp = next(r for r in ws.iter_rows(min_row=2) if r[col["qualifier"]].value == "range")
    assert (gdp[col["value"]].value, gdp[col["value_max"]].value) == (6.5, 7)
    # quotes wrap and are wide; CJK columns are wider than their character count
    quote_letter = openpyxl.utils.get_column_letter(col["quote"] + 1)
    assert ws.column_dimensions[quote_letter].width >= 50
    assert ws.cell(2, col["quote"] + 1).alignment.wrap_text
    obj_letter = openpyxl.utils.get_column_letter(col["object"] + 1)
    assert ws.column_dimensions[obj_letter].width >= 2 * len("社区养老服务中心")
    # text that looks like markup or a formula stays literal text
    assert any("<script>" in (r[col["quote"]].value or "") for r in ws.iter_rows(min_row=2))

    assert wb.properties.created.year == 2000  # fixed, so the file is reproducible


def test_xlsx_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {"doc_id": ["a"], "quote": ['=HYPERLINK("http://x")'], "year": [None]},
        schema={"doc_id": pl.String, "quote": pl.String, "year": pl.Int64},
    )
    write_tables({"commitments": df}, tmp_path, ["xlsx"])
    ws = openpyxl.load_workbook(tmp_path / "tracker.xlsx")["commitments"]
    assert [c.value for c in ws[1]] == ["doc_id", "year", "quote"]
    assert ws.cell(2, 3).data_type == "s"
    assert ws.cell(2, 3).value == '=HYPERLINK("http://x")'


def test_sheet_names_are_valid_and_unique() -> None:
    names = sheet_names(["a/b", "x" * 40, "x" * 40, "Track", "track"])
    assert names[0] == "a_b"
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)


def test_display_width_counts_cjk_double() -> None:
    assert writers.display_width("养老abc") == 7
    assert writers.display_width("６％") == 4  # fullwidth forms


def test_sqlite_tables_indexes_and_fts(tmp_path: Path, tables) -> None:
    (path,) = write_tables(tables, tmp_path, ["sqlite"])
    assert path.name == "tracker.db"
    con = sqlite3.connect(path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(tables) <= names
    assert {"commitments_fts", "slogans_fts"} <= names
    idx = {
        r[0]: r[1]
        for r in con.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='index'")
    }
    for t in ("commitments", "slogans", "documents"):
        for c in ("doc_id", "locality"):
            assert idx[f"idx_{t}_{c}"] == t
    assert "idx_commitments_year" in idx and "idx_by_locality_year" in idx
    assert "idx_errors_locality" not in idx  # errors has no locality column
    # numeric columns are stored as numbers
    assert con.execute(
        "SELECT typeof(value), typeof(year), typeof(value_max) FROM commitments "
        "WHERE object='社区养老服务中心'"
    ).fetchone() == ("real", "integer", "null")
    # the FTS table follows the sqlite-utils convention: <table>_fts with content=<table>
    fts_sql = con.execute("SELECT sql FROM sqlite_master WHERE name='commitments_fts'").fetchone()[
        0
    ]
    assert "content=" in fts_sql and "commitments" in fts_sql
    tok = writers.fts_tokenizer()
    assert f"tokenize='{tok}'" in fts_sql
    if tok == "trigram":
        hits = con.execute(
            "SELECT c.quote FROM commitments_fts "
            "JOIN commitments c ON c.rowid = commitments_fts.rowid "
            "WHERE commitments_fts MATCH ?",
            ('"养老服务"',),
        ).fetchall()
        assert hits == [("新建6个社区养老服务中心",)]
        hits = con.execute(
            "SELECT slogan FROM slogans_fts WHERE slogans_fts MATCH ?", ('"降一补"',)
        ).fetchall()
        assert hits == [("三去一降一补",), ("三去一降一补",)]
    con.close()


def test_sqlite_recognised_by_sqlite_utils(tmp_path: Path, tables) -> None:
    sqlite_utils = pytest.importorskip("sqlite_utils")
    write_tables(tables, tmp_path, ["sqlite"])
    db = sqlite_utils.Database(tmp_path / "tracker.db")
    assert db["commitments"].detect_fts() == "commitments_fts"
    assert db["slogans"].detect_fts() == "slogans_fts"
    assert db["documents"].detect_fts() is None
    if writers.fts_tokenizer() == "trigram":
        found = list(db["commitments"].search("社区养老"))
        assert [r["object"] for r in found] == ["社区养老服务中心"]


def test_search_sqlite_short_and_long_queries(tmp_path: Path, tables) -> None:
    write_tables(tables, tmp_path, ["sqlite"])
    db = tmp_path / "tracker.db"
    # 养老 is two characters: too short for trigram MATCH, answered by a LIKE scan
    rows = search_sqlite(db, "commitments", "养老")
    assert [r["object"] for r in rows] == ["社区养老服务中心"]
    assert rows[0]["doc_id"] == "002_179a9739007a0764"
    assert [r["doc_id"] for r in search_sqlite(db, "commitments", "国内生产总值")] == [
        "gwr_2016",
        "gwr_2017",
        "gwr_2017",
        "gwr_2018",
    ]
    assert [r["locality"] for r in search_sqlite(db, "slogans", "放管服")] == [
        "长治市上党区",
        "全国",
        "全国",
    ]
    # LIKE wildcards in the query are literal characters
    assert search_sqlite(db, "commitments", "_") == []
    assert [r["doc_id"] for r in search_sqlite(db, "commitments", "%－")] == ["gwr_2016"]
    with pytest.raises(ValueError):
        search_sqlite(db, "documents", "太原")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "parquet", "sqlite"])
def test_same_tables_give_byte_identical_files(tmp_path: Path, tables, fmt: str) -> None:
    a = write_tables(tables, tmp_path / "a", [fmt], excel_bom=True)
    b = write_tables(sample_tables(), tmp_path / "b", [fmt], excel_bom=True)
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    # rewriting over existing outputs gives the same bytes too
    before = {p.name: p.read_bytes() for p in a}
    write_tables(tables, tmp_path / "a", [fmt], excel_bom=True)
    assert {p.name: p.read_bytes() for p in a} == before


def test_failure_midway_keeps_previous_outputs(tmp_path: Path, tables, monkeypatch) -> None:
    write_tables(tables, tmp_path, ["csv", "xlsx", "sqlite"])
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    changed = {**tables, "commitments": tables["commitments"].head(1)}

    def boom(df: pl.DataFrame, path: Path, *, excel_bom: bool = False) -> None:
        path.write_bytes(b"partial,row\n")  # half-written, then the writer dies
        raise OSError("disk full")

    monkeypatch.setitem(writers._PER_TABLE_WRITERS, "csv", boom)
    with pytest.raises(OSError, match="disk full"):
        write_tables(changed, tmp_path, ["xlsx", "csv", "sqlite"])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old
    assert _leftover_temps(tmp_path) == []


def test_failure_inside_xlsx_keeps_previous_workbook(tmp_path: Path, tables, monkeypatch) -> None:
    write_tables(tables, tmp_path, ["xlsx"])
    old = (tmp_path / "tracker.xlsx").read_bytes()

    def explode(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(writers, "_write_cell", explode)
    with pytest.raises(RuntimeError):
        write_tables(tables, tmp_path, ["xlsx"])
    assert (tmp_path / "tracker.xlsx").read_bytes() == old
    assert _leftover_temps(tmp_path) == []


def test_atomic_path_success_and_failure(tmp_path: Path) -> None:
    final = tmp_path / "x.csv"
    final.write_text("old")
    with pytest.raises(KeyError), writers.atomic_path(final) as tmp:
        tmp.write_text("new")
        raise KeyError("stop")
    assert final.read_text() == "old" and _leftover_temps(tmp_path) == []
    with writers.atomic_path(final) as tmp:
        tmp.write_text("new")
    assert final.read_text() == "new" and _leftover_temps(tmp_path) == []


def test_outputs_get_normal_permissions(tmp_path: Path, tables) -> None:
    (path,) = write_tables({"errors": tables["errors"]}, tmp_path)
    assert path.stat().st_mode & 0o044 == 0o044  # group/other can read (usual umask)


def test_nested_and_empty_columns(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "locality": ["北京市", None],
            "tags": [["养老", "就业"], None],
            "nothing": [None, None],
        }
    )
    empty = pl.DataFrame(schema={"doc_id": pl.String, "year": pl.Int64})
    write_tables({"extra": df, "commitments": empty}, tmp_path, FORMATS)
    text = (tmp_path / "extra.csv").read_text(encoding="utf-8")
    assert '"[""养老"", ""就业""]"' in text
    assert (tmp_path / "commitments.csv").read_text() == "doc_id,year\n"
    con = sqlite3.connect(tmp_path / "tracker.db")
    assert con.execute("SELECT tags FROM extra WHERE doc_id='d1'").fetchone() == (
        '["养老", "就业"]',
    )
    assert con.execute("SELECT count(*) FROM commitments").fetchone() == (0,)
    ws = openpyxl.load_workbook(tmp_path / "tracker.xlsx")["extra"]
    assert [c.value for c in ws[1]] == ["doc_id", "locality", "tags", "nothing"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "sqlite"])
def test_spilled_tables_give_the_same_bytes(tmp_path: Path, tables, fmt: str) -> None:
    lazy = {}
    for name, df in tables.items():
        # a table spilled in two batch files, as a run with spill_dir leaves it
        files = [tmp_path / f"{name}-{i}.arrow" for i in (0, 1)]
        df.head(1).write_ipc(files[0])
        df.slice(1).write_ipc(files[1])
        lazy[name] = pl.scan_ipc(files)
    a = write_tables(tables, tmp_path / "eager", [fmt], excel_bom=True)
    b = write_tables(lazy, tmp_path / "lazy", [fmt], excel_bom=True)
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_spilled_tables_as_parquet_read_back_equal(tmp_path: Path, tables) -> None:
    lazy = {name: df.lazy() for name, df in tables.items()}
    for path in write_tables(lazy, tmp_path, ["parquet"]):
        assert pl.read_parquet(path).equals(
            writers.order_columns(path.stem, tables[path.stem])), path.name


def test_failed_move_puts_back_the_previous_outputs(tmp_path: Path, tables, monkeypatch) -> None:
    # A file that cannot be replaced midway through the moves (open in a
    # spreadsheet program, made immutable): the files already moved go back.
    write_tables(tables, tmp_path, ["csv", "xlsx"])
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real = os.replace

    def locked(src, dst):
        if Path(dst).name == "slogans.csv" and str(src).endswith(".tmp"):
            raise PermissionError(1, "Operation not permitted")
        return real(src, dst)

    monkeypatch.setattr(writers.os, "replace", locked)
    # brand_new.csv is moved (a new file) before slogans.csv fails
    changed = {"brand_new": tables["errors"], **{n: df.head(1) for n, df in tables.items()}}
    with pytest.raises(OSError, match=r"cannot replace .*slogans\.csv \(Operation not "
                                      r"permitted\); the previous outputs are kept"):
        write_tables(changed, tmp_path, ["xlsx", "csv"])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old
    assert _leftover_temps(tmp_path) == []


def test_interrupt_while_dropping_the_backups_leaves_none(tmp_path: Path, tables,
                                                          monkeypatch) -> None:
    write_tables(tables, tmp_path, ["csv"])
    real = writers._unlink_quietly
    hit = []

    def interrupted_once(path: Path) -> None:
        if path.suffix == ".old" and not hit:
            hit.append(path)
            raise KeyboardInterrupt  # Ctrl-C just as the last move finished
        real(path)

    monkeypatch.setattr(writers, "_unlink_quietly", interrupted_once)
    changed = {name: df.head(1) for name, df in tables.items()}
    write_tables(changed, tmp_path, ["csv"])
    assert hit and _leftover_temps(tmp_path) == []
    assert (tmp_path / "commitments.csv").read_bytes().count(b"\n") == 2  # header + 1 row
