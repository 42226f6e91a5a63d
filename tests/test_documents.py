"""Tests for tracker.documents.read_inputs (real seed texts, written in many encodings)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import documents
from tracker.documents import decode_bytes, read_inputs
from tracker.model import Document, InputError

SEEDS = Path("/work/shared/seeds")
CORPUS = Path("/work/shared/corpora/gwr_national_1954_2019.jsonl")


def seed(n: int) -> str:
    (path,) = sorted(SEEDS.glob(f"{n:03d}_*.txt"))
    return path.read_text(encoding="utf-8")


def paragraphs(n: int, k: int = 3) -> list[str]:
    return [p.strip() for p in seed(n).split("\n") if len(p.strip()) > 40][:k]


def run(*paths: Path | str, **kw: object) -> tuple[list[Document], list[InputError]]:
    docs: list[Document] = []
    errors: list[InputError] = []
    for item in read_inputs(list(paths), **kw):  # type: ignore[arg-type]
        if isinstance(item, Document):
            docs.append(item)
        else:
            assert isinstance(item, InputError)
            assert "\n" not in item.message and item.message.strip()
            errors.append(item)
    return docs, errors


# ----------------------------------------------------------------- text encodings


def test_utf8_text_exact_and_crlf(tmp_path: Path) -> None:
    text = seed(0)
    (tmp_path / "a.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8") + b"\rend")
    docs, errors = run(tmp_path / "a.txt")
    assert errors == []
    (doc,) = docs
    assert doc.doc_id == "a"
    assert doc.path == str(tmp_path / "a.txt")
    assert doc.text == text + "\rend"  # \r\n -> \n, a lone \r kept
    assert doc.metadata_from == frozenset()


def test_gb18030_without_declaration(tmp_path: Path) -> None:
    text = seed(2)
    (tmp_path / "gb.txt").write_bytes(text.encode("gb18030"))
    (tmp_path / "gbk.md").write_bytes(seed(3).encode("gbk"))
    docs, errors = run(tmp_path)
    assert errors == []
    assert [d.doc_id for d in docs] == ["gb", "gbk"]
    assert docs[0].text == text
    assert docs[1].text == seed(3)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_bom_encodings(tmp_path: Path, encoding: str) -> None:
    text = seed(1)
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "bom.txt").write_bytes(data)
    docs, errors = run(tmp_path / "bom.txt")
    assert errors == []
    assert docs[0].text == text


def test_big5_traditional(tmp_path: Path) -> None:
    import opencc

    trad = opencc.OpenCC("s2t").convert(seed(2))
    data = trad.encode("big5", errors="ignore")
    expected = data.decode("big5")
    (tmp_path / "tw.txt").write_bytes(data)
    docs, errors = run(tmp_path / "tw.txt")
    assert errors == []
    assert docs[0].text == expected
    assert "上黨區委書記" in docs[0].text


def test_undecodable_names_byte_offset(tmp_path: Path) -> None:
    text = seed(2)
    good = text[:1000].encode("gb18030")
    data = good + b"\xff\xff\xff" + text[1000:].encode("gb18030")
    (tmp_path / "bad.txt").write_bytes(data)
    docs, errors = run(tmp_path / "bad.txt")
    assert docs == []
    (err,) = errors
    assert err.offset == len(good)
    assert f"byte {len(good)}" in err.message
    assert "UTF-8" in err.message


def test_empty_binary_and_whitespace(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "blank.md").write_bytes(b"  \n\n \t\n")
    (tmp_path / "ok.txt").write_text(seed(0), encoding="utf-8")
    docs, errors = run(tmp_path)
    assert [d.doc_id for d in docs] == ["ok"]
    by_file = {Path(e.path).name: e.message for e in errors}
    assert by_file["empty.txt"].startswith("empty file")
    assert by_file["blank.md"].startswith("empty file")
    assert by_file["bin.txt"].startswith("binary file, not text")


def test_big_single_line_file_is_linear(tmp_path: Path) -> None:
    line = seed(2).replace("\n", "")
    data = (line * 2000).encode("gb18030")  # ~14 MB, one line, not UTF-8
    (tmp_path / "big.txt").write_bytes(data)
    start = time.perf_counter()
    docs, errors = run(tmp_path / "big.txt")
    assert errors == []
    assert docs[0].text == line * 2000
    assert time.perf_counter() - start < 30


# ----------------------------------------------------------------- HTML


def _page(body: str, charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}">
<title>撸起袖子加油干 - 豫都网</title>
<meta property="article:published_time" content="2017-06-17">
</head><body>
<nav><ul><li><a href="/">网站首页导航</a></li><li><a href="/a">河南新闻频道</a></li></ul></nav>
<div class="menu">登录 | 注册 | 订阅本站导航菜单</div>
<article><h1>撸起袖子加油干</h1>{body}</article>
<footer><p>版权所有 豫都网 豫ICP备000000号 联系我们 关于本站</p></footer>
</body></html>"""


def test_html_main_text_without_nav_footer(tmp_path: Path) -> None:
    paras = paragraphs(1, 4)
    html = _page("".join(f"<p>{p}</p>\n" for p in paras), charset="gbk")
    (tmp_path / "page.html").write_bytes(html.encode("gbk"))
    docs, errors = run(tmp_path / "page.html")
    assert errors == []
    (doc,) = docs
    for p in paras:
        assert p in doc.text
    assert "版权所有" not in doc.text
    assert "网站首页导航" not in doc.text
    assert paras[0] + "\n" in doc.text  # paragraphs stay on their own lines
    assert doc.title is not None and "撸起袖子加油干" in doc.title
    assert doc.date == "2017-06-17"


def test_html_date_not_made_up_from_a_year_in_the_text(tmp_path: Path) -> None:
    # htmldate's text search turns 2019年 into 2019-01-01, which would then
    # cap the document's year; only dates in the markup are taken.
    (tmp_path / "p.html").write_text(
        "<html><head><title>某市政府工作报告</title></head><body><article><p>某市2019年政府"
        "工作报告。今年地区生产总值增长6.5%左右。</p><p>2020年新建学校3所。</p></article>"
        "</body></html>", encoding="utf-8")
    (doc,), _ = run(tmp_path / "p.html")
    assert doc.date is None


def test_html_broken_markup(tmp_path: Path) -> None:
    para = paragraphs(2, 1)[0]
    (tmp_path / "broken.htm").write_text(
        f"<html><body><div><p>{para}<b>未闭合<i>标签</div></span></td><p>第二段", encoding="utf-8"
    )
    (tmp_path / "garbage.html").write_text("<<<>>></<</p><!--", encoding="utf-8")
    (tmp_path / "short.html").write_text("<title>标题</title><p>很短</p>", encoding="utf-8")
    docs, errors = run(tmp_path)
    by_id = {d.doc_id: d for d in docs}
    assert para in by_id["broken"].text
    assert "很短" in by_id["short"].text
    assert by_id["short"].title == "标题"
    # garbage: either read as its visible text or reported, never a crash
    assert "garbage" in by_id or any(e.path.endswith("garbage.html") for e in errors)


# ----------------------------------------------------------------- JSONL


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    paras = paragraphs(0, 3)
    lines = [
        json.dumps({"id": "x1", "text": paras[0], "year": 2024, "url": "http://e.cn/1"}),
        "{not json",
        json.dumps(["an", "array"]),
        json.dumps({"id": "x4", "title": "no text"}),
        "",
        json.dumps({"content": paras[1], "locality": "西宁市", "year": "2024年"}),
        json.dumps({"doc_id": 7, "text": paras[2] + "\r\n尾", "year": "soon"}),
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, errors = run(path)
    assert [(d.doc_id, d.path) for d in docs] == [
        ("x1", f"{path}:1"),
        ("corpus-6", f"{path}:6"),
        ("7", f"{path}:7"),
    ]
    assert docs[0].year == 2024 and docs[0].source == "http://e.cn/1"
    assert docs[0].metadata_from == {"doc_id", "year", "source"}
    assert docs[1].locality == "西宁市" and docs[1].year == 2024
    assert docs[1].metadata_from == {"locality", "year"}
    assert docs[2].text == paras[2] + "\n尾" and docs[2].year is None
    assert [(e.line, e.path) for e in errors] == [(2, str(path)), (3, str(path)), (4, str(path)),
                                                 (7, str(path))]
    assert "not valid JSON" in errors[0].message
    assert "not an object" in errors[1].message
    assert '"text"' in errors[2].message
    assert "bad year" in errors[3].message
    assert errors[0].one_line().startswith(f"{path}:2: ")


def test_jsonl_is_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_loads = json.loads

    def counting_loads(s: str) -> object:
        calls.append(s)
        return real_loads(s)

    monkeypatch.setattr(documents.json, "loads", counting_loads)
    it = read_inputs([CORPUS])
    first = next(it)
    assert isinstance(first, Document)
    assert len(calls) == 1
    assert first.year == 1954 and first.title is not None and first.source is not None


def test_doc_id_template_on_corpus(tmp_path: Path) -> None:
    with CORPUS.open(encoding="utf-8") as f:
        head = [next(f) for _ in range(3)]
    extra = json.dumps({"text": "没有年份的报告。"}, ensure_ascii=False)
    path = tmp_path / "gwr.jsonl"
    path.write_text("".join(head) + extra + "\n", encoding="utf-8")
    years = [json.loads(line)["year"] for line in head]
    docs, errors = run(path, doc_id_template="gwr_{year}")
    assert [d.doc_id for d in docs] == [f"gwr_{y}" for y in years]
    (err,) = errors
    assert err.line == 4 and "year" in err.message
    docs, errors = run(path, doc_id_template="{stem}-{line:03d}")
    assert [d.doc_id for d in docs] == ["gwr-001", "gwr-002", "gwr-003", "gwr-004"]


def test_doc_id_template_unknown_field_raises() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        read_inputs([CORPUS], doc_id_template="{province}")
    # An attribute or index would format a method's repr (a memory address)
    # or fail on every document: refused up front.
    for template in ("{stem.upper}", "{year[0]}", "gwr_{title.strip}"):
        with pytest.raises(ValueError, match="plain fields"):
            read_inputs([CORPUS], doc_id_template=template)


def test_jsonl_null_fields_fall_back_and_json_types_named(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": None, "doc_id": "dd", "text": None, "content": "新建学校3所。"}),
        "null",
        json.dumps({"id": "ok", "text": "新建学校3所。"}),
        "\ufeff" + json.dumps({"id": "bom", "text": "新建学校3所。"}),
        json.dumps({"id": "feb", "text": "新建学校3所。", "date": "2016-02-30"}),
    ]) + "\n", encoding="utf-8")
    docs, errors = run(path)
    assert [(d.doc_id, d.text) for d in docs] == [
        ("dd", "新建学校3所。"), ("ok", "新建学校3所。"), ("feb", "新建学校3所。")]
    assert docs[2].date is None
    assert [e.line for e in errors] == [2, 4, 5]
    assert "line is a JSON null, not an object" in errors[0].message
    assert "byte order mark" in errors[1].message
    assert "bad date '2016-02-30'" in errors[2].message


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("今年新建学校3所。", encoding="utf-8")
    items = list(read_inputs([tmp_path / "a.txt", tmp_path, tmp_path / "." / "a.txt"]))
    docs = [x for x in items if isinstance(x, Document)]
    skips = [x for x in items if isinstance(x, InputError)]
    assert len(docs) == 1
    assert [x.stage for x in skips] == ["skip", "skip"]
    assert all("already read" in x.message for x in skips)


def test_template_collisions_are_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,year\na.txt,2020\nb.txt,2020\n", encoding="utf-8")
    docs, errors = run(tmp_path, doc_id_template="gwr_{year}")
    assert [d.doc_id for d in docs] == ["gwr_2020"]
    (err,) = errors
    assert "duplicate doc_id 'gwr_2020'" in err.message and str(tmp_path / "a.txt") in err.message


# ----------------------------------------------------------------- manifest, walking


def test_manifest_overrides_and_missing_file(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "r1.txt").write_text(seed(3), encoding="utf-8")
    (d / "sub" / "r2.txt").write_text(seed(4), encoding="utf-8")
    (d / "r3.txt").write_text("第三篇。", encoding="utf-8")
    (d / "manifest.csv").write_text(
        "file,doc_id,locality,year,date,title\n"
        "r1.txt,xining_2024,西宁市,2024,2024-01-20,西宁市政府工作报告\n"
        "sub/r2.txt,,大通县,2024年,,\n"
        "gone.txt,g,,,,\n"
        "r3.txt,,,twenty,,\n",
        encoding="utf-8",
    )
    docs, errors = run(d)
    by_path = {Path(doc.path).name: doc for doc in docs}
    assert set(by_path) == {"r1.txt", "r2.txt", "r3.txt"}  # manifest itself not a document
    r1 = by_path["r1.txt"]
    assert (r1.doc_id, r1.locality, r1.year, r1.date, r1.title) == (
        "xining_2024", "西宁市", 2024, "2024-01-20", "西宁市政府工作报告"
    )
    assert r1.metadata_from == {"doc_id", "locality", "year", "date", "title"}
    r2 = by_path["r2.txt"]
    assert (r2.doc_id, r2.locality, r2.year) == ("r2", "大通县", 2024)
    assert r2.metadata_from == {"locality", "year"}
    r3 = by_path["r3.txt"]
    assert r3.year is None and r3.metadata_from == frozenset()
    manifest_errors = [e for e in errors if e.stage == "manifest"]
    assert [(e.path, e.line) for e in manifest_errors] == [
        (str(d / "manifest.csv"), 4),
        (str(d / "manifest.csv"), 5),
    ]
    assert "gone.txt" in manifest_errors[0].message
    assert "bad year" in manifest_errors[1].message
    assert len(errors) == 2


def _reports(folder: Path, files: dict[str, str], manifest: str | None = None) -> Path:
    """Small county work reports (``name: first line``) and a manifest in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, head in files.items():
        (folder / name).write_text(f"{head}\n今年新建学校3所，城镇新增就业1200人。\n",
                                   encoding="utf-8")
    if manifest is not None:
        (folder / "manifest.csv").write_text(manifest, encoding="utf-8")
    return folder


def test_subfolder_manifest_merges_with_parent_column_by_column(tmp_path: Path) -> None:
    d = _reports(tmp_path / "in", {"a.txt": "湟源县2024年政府工作报告"},
                 "file,doc_id,locality,year\n"
                 "a.txt,huangyuan_2024,西宁市湟源县,2024\n"
                 "datong/b.txt,datong_2019,西宁市,2019\n"
                 "datong/c.txt,datong_2020,西宁市大通县,2020\n")
    _reports(d / "datong", {"b.txt": "政府工作报告", "c.txt": "政府工作报告"},
             "file,locality,year,title\n"
             "b.txt,西宁市大通县,2019年,大通县2019年政府工作报告\n")
    docs, errors = run(d)
    by_name = {Path(doc.path).name: doc for doc in docs}
    b = by_name["b.txt"]
    # The subfolder's row wins the columns it fills; the parent's fills the rest.
    assert (b.doc_id, b.locality, b.year, b.title) == (
        "datong_2019", "西宁市大通县", 2019, "大通县2019年政府工作报告")
    assert b.metadata_from == {"doc_id", "locality", "year", "title"}
    c = by_name["c.txt"]  # not in the subfolder's manifest: the parent's row
    assert (c.doc_id, c.locality, c.year) == ("datong_2020", "西宁市大通县", 2020)
    # One notice, for the overridden value only (2019 and 2019年 agree).
    (notice,) = errors
    assert (notice.path, notice.line, notice.stage) == (str(d / "manifest.csv"), 3, "notice")
    assert notice.message == (
        f"locality '西宁市' for {d / 'datong' / 'b.txt'} is ignored: "
        f"{d / 'datong' / 'manifest.csv'} line 2 gives '西宁市大通县' "
        "(the manifest nearer the file wins)")


def test_manifest_locality_without_a_code_is_a_notice(tmp_path: Path) -> None:
    d = _reports(tmp_path / "in", {"a.txt": "政府工作报告", "b.txt": "政府工作报告",
                                   "c.txt": "政府工作报告", "d.txt": "国务院政府工作报告",
                                   "e.txt": "政府工作报告"},
                 "file,locality,year\n"
                 "a.txt,杭洲市,2019\n"  # typo for 杭州市
                 "b.txt,城中区,2019\n"  # 柳州市 or 西宁市?
                 "c.txt,西宁市城中区,2019\n"
                 "d.txt,全国,2019\n"
                 "e.txt,大通县,2019\n")
    docs, errors = run(d)
    # Kept as given: a researcher may use a unit the gazetteer lacks.
    assert [doc.locality for doc in docs] == ["杭洲市", "城中区", "西宁市城中区", "全国", "大通县"]
    assert [(e.path, e.line, e.stage) for e in errors] == [
        (str(d / "manifest.csv"), 2, "notice"), (str(d / "manifest.csv"), 3, "notice")]
    assert errors[0].message == (
        "locality '杭洲市' for 'a.txt' is not in the gazetteer, so it gets no locality_code "
        "(行政区划代码); check the spelling (the name is kept as given)")
    assert errors[1].message == (
        "locality '城中区' for 'b.txt' is ambiguous (柳州市城中区, 西宁市城中区), so it gets "
        "no locality_code (行政区划代码); write the full name, e.g. 柳州市城中区")


def test_a_file_given_by_itself_uses_its_folders_manifest(tmp_path: Path) -> None:
    d = _reports(tmp_path / "in", {"a.txt": "政府工作报告", "b.txt": "政府工作报告"},
                 "file,doc_id,locality,year\n"
                 "a.txt,datong_2019,西宁市大通县,2019\n"
                 "b.txt,datong_2020,西宁市大通县,二〇二〇\n"
                 "gone.txt,x,西宁市,2018\n")
    docs, errors = run(d / "a.txt")
    (a,) = docs
    assert (a.doc_id, a.locality, a.year) == ("datong_2019", "西宁市大通县", 2019)
    # The rows of the folder's other files are not this run's business.
    assert errors == []
    docs, errors = run(d / "b.txt")
    assert [doc.doc_id for doc in docs] == ["datong_2020"]
    (bad,) = errors
    assert (bad.path, bad.line, bad.stage) == (str(d / "manifest.csv"), 3, "manifest")
    assert "bad year '二〇二〇' for 'b.txt'" in bad.message
    # Given by itself and through its folder: each problem reported once.
    docs, errors = run(d / "b.txt", d)
    assert [doc.doc_id for doc in docs] == ["datong_2020", "datong_2019"]
    assert [(Path(e.path).name, e.line, e.stage) for e in errors] == [
        ("manifest.csv", 3, "manifest"), ("manifest.csv", 4, "manifest"),
        ("b.txt", None, "skip")]
    # A manifest the file's folder cannot read is reported for it too.
    (d / "manifest.csv").write_text("name,year\na.txt,2019\n", encoding="utf-8")
    docs, errors = run(d / "a.txt")
    assert docs[0].year is None
    assert [(e.line, e.stage, "no 'file' column" in e.message) for e in errors] == [
        (1, "manifest", True)]


def test_line_template_names_whole_files_too(tmp_path: Path) -> None:
    d = _reports(tmp_path / "in", {"a.txt": "湟源县2024年政府工作报告",
                                   "b.md": "大通县2024年政府工作报告"})
    (d / "gwr.jsonl").write_text(
        "".join(json.dumps({"text": f"{y}年政府工作报告。新建学校3所。", "year": y},
                           ensure_ascii=False) + "\n" for y in (2018, 2019)),
        encoding="utf-8")
    docs, errors = run(d, doc_id_template="{stem}-{line}")
    assert errors == []
    assert [doc.doc_id for doc in docs] == ["a-1", "b-1", "gwr-1", "gwr-2"]
    docs, errors = run(d, doc_id_template="{stem}_{line:03d}")
    assert [doc.doc_id for doc in docs] == ["a_001", "b_001", "gwr_001", "gwr_002"]


def test_a_symlink_loop_in_a_folder_is_an_error_row(tmp_path: Path) -> None:
    d = _reports(tmp_path / "in", {"a.txt": "政府工作报告"})
    (d / "loop.txt").symlink_to(d / "loop.txt")
    docs, errors = run(d)
    assert [doc.doc_id for doc in docs] == ["a"]
    (err,) = errors
    assert err.path == str(d / "loop.txt") and "cannot read file" in err.message


def test_walk_order_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "c.txt").write_text("丙", encoding="utf-8")
    (tmp_path / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "c.md").write_text("丁", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("藏", encoding="utf-8")
    (tmp_path / ".git" / "x.txt").write_text("藏", encoding="utf-8")
    (tmp_path / "data.xlsx").write_bytes(b"PK\x03\x04")
    docs, errors = run(tmp_path, tmp_path / "nope.txt")
    assert [d.doc_id for d in docs] == ["a", "c"]
    assert [Path(d.path).relative_to(tmp_path).as_posix() for d in docs] == [
        "a.txt", "b/c.txt"
    ]
    # "c" from c.md collides with b/c.txt's stem: reported, not yielded
    dup, skip, missing = errors
    assert dup.path == str(tmp_path / "c.md") and str(tmp_path / "b" / "c.txt") in dup.message
    assert skip.stage == "skip" and ".xlsx" in skip.message and ".docx" in skip.message
    assert missing.path == str(tmp_path / "nope.txt") and "no such file" in missing.message


def test_unreadable_file_and_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "locked.txt").write_text("锁", encoding="utf-8")
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "ok.txt").write_text("好", encoding="utf-8")
    real_read = Path.read_bytes
    real_scandir = documents.os.scandir

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    def scandir(path: object) -> object:
        if Path(str(path)).name == "e":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(documents.os, "scandir", scandir)
    docs, errors = run(tmp_path)
    assert docs == []
    assert [(Path(e.path).name, "permission denied" in e.message) for e in errors] == [
        ("locked.txt", True),
        ("e", True),
    ]


# ----------------------------------------------------------------- PDF, DOCX


def _pdf_with_text(pages: list[str]) -> bytes:
    """A minimal valid PDF (Helvetica text, one line per page), written by hand."""
    n = len(pages)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{4 + 2 * i} 0 R".encode() for i in range(n))
        + f"] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{num} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def test_pdf_text_layer_and_page_starts(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(_pdf_with_text(["Page one text", "Second page"]))
    docs, errors = run(tmp_path / "report.pdf")
    assert errors == []
    (doc,) = docs
    assert doc.text == "Page one text\nSecond page"
    assert doc.page_starts == (0, len("Page one text") + 1)
    assert doc.text[doc.page_starts[1] :].startswith("Second page")


def test_pdf_text_layer_with_nul_between_characters(tmp_path: Path) -> None:
    # Some generators (fpdf2 with a CID font) put NUL between the characters.
    (tmp_path / "nul.pdf").write_bytes(_pdf_with_text(["\x00".join("Page one") + "\x00"]))
    (doc,), errors = run(tmp_path / "nul.pdf")
    assert errors == [] and doc.text == "Page one"


def test_pdf_scanned_corrupt_encrypted(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    (tmp_path / "a_scan.pdf").write_bytes(buf.getvalue())
    (tmp_path / "b_corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Cat garbage \x00\xff")
    secret = PdfWriter()
    secret.add_blank_page(width=100, height=100)
    secret.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    secret.write(buf)
    (tmp_path / "c_locked.pdf").write_bytes(buf.getvalue())
    docs, errors = run(tmp_path)
    assert docs == []
    scan, corrupt, locked = errors
    assert scan.message == "no text layer (scanned PDF?); OCR it first — tracker does no OCR"
    assert corrupt.path.endswith("b_corrupt.pdf") and "corrupt" in corrupt.message
    assert locked.path.endswith("c_locked.pdf") and "encrypted" in locked.message


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    paras = paragraphs(2, 2)
    d = docx.Document()
    d.add_paragraph(paras[0])
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "目标"
    table.cell(1, 0).text = "地区生产总值增长"
    table.cell(1, 1).text = "5%左右"
    merged = d.add_table(rows=1, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合并单元格"
    d.add_paragraph(paras[1])
    d.save(str(tmp_path / "report.docx"))
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    docs, errors = run(tmp_path)
    (doc,) = docs
    rows = ["指标\t目标", "地区生产总值增长\t5%左右", "合并单元格"]  # a row per line
    assert doc.text == "\n".join([paras[0], *rows, paras[1]])
    (err,) = errors
    assert err.path.endswith("broken.docx") and ".docx" in err.message


# ----------------------------------------------------------------- properties


_TEXTISH = st.text(max_size=300).flatmap(
    lambda t: st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-32"]).map(
        lambda enc: t.encode(enc)
    )
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        _TEXTISH,
        st.tuples(_TEXTISH, st.binary(max_size=8)).map(b"".join),
    )
)
def test_arbitrary_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    items = list(read_inputs([path]))
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, (Document, InputError))
    if isinstance(item, Document):
        assert item.text.strip()
        assert "\r\n" not in item.text
    else:
        assert "\n" not in item.message


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=1, max_size=300).filter(lambda t: t.strip() and "\x00" not in t))
def test_utf8_roundtrip(text: str) -> None:
    got = decode_bytes(text.encode("utf-8"))
    if isinstance(got, str):
        # A leading U+FEFF is read as the byte order mark it encodes to.
        assert got == text.removeprefix("\ufeff").replace("\r\n", "\n")
    else:  # only text full of control characters may be called binary
        assert got.message.startswith("binary")
