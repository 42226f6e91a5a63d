"""End-to-end: the tracker command on the seeds and on national reports."""

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import SEEDS
from tracker.cli import app

runner = CliRunner()

COMMITMENT_COLUMNS = ["doc_id", "locality", "kind", "year", "value", "value_max", "unit",
                      "qualifier", "object", "category", "quote", "start", "end", "rule"]


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return next(csv.reader(f))


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_help_teaches_the_verbs():
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    for verb in ("extract", "report", "eval", "rules"):
        assert verb in r.output


def test_extract_seeds_writes_the_four_tables_with_exact_columns(tmp_path):
    r = runner.invoke(app, ["extract", str(SEEDS), "--out", str(tmp_path), "-q"])
    assert r.exit_code == 0, r.output
    assert header(tmp_path / "commitments.csv")[:14] == COMMITMENT_COLUMNS
    assert header(tmp_path / "slogans.csv")[:6] == ["doc_id", "locality", "slogan", "form",
                                                    "count", "start"]
    assert header(tmp_path / "documents.csv")[:8] == ["doc_id", "path", "title", "locality",
                                                      "year", "date", "chars", "status"]
    assert header(tmp_path / "errors.csv")[:6] == ["path", "line", "offset", "doc_id", "stage",
                                                   "message"]
    docs = rows(tmp_path / "documents.csv")
    assert len(docs) == 5 and all(d["status"] == "ok" for d in docs)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    commitments = rows(tmp_path / "commitments.csv")
    assert commitments
    for c in commitments:  # provenance: the quote is where start/end say
        assert texts[c["doc_id"]][int(c["start"]):int(c["end"])] == c["quote"]
    pledge = next(c for c in commitments if c["object"] == "社区养老服务中心")
    assert (pledge["value"], pledge["unit"], pledge["kind"], pledge["locality"]) == (
        "6.0", "个", "pledge", "长治市上党区")


def test_report_adds_aggregates_and_summary(tmp_path):
    r = runner.invoke(app, ["report", str(SEEDS), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "5 documents" in r.output and str(tmp_path) in r.output
    assert header(tmp_path / "by_locality.csv") == ["locality", "year", "kind", "category",
                                                    "unit", "records", "value_sum"]
    assert header(tmp_path / "slogans_by_locality.csv") == ["slogan", "locality", "year",
                                                            "count", "documents"]
    by = rows(tmp_path / "by_locality.csv")
    assert any(b["locality"] == "西宁市城西区" and b["kind"] == "achievement" for b in by)


def _national_subset(national_jsonl: Path, tmp_path: Path) -> Path:
    out = tmp_path / "gwr.jsonl"
    with national_jsonl.open(encoding="utf-8") as f, out.open("w", encoding="utf-8") as g:
        for line in f:
            if 2013 <= json.loads(line)["year"] <= 2019:
                g.write(line)
    return out


def test_national_reports_as_jsonl_and_as_txt_folder_with_manifest_agree(national_jsonl,
                                                                         tmp_path):
    jsonl = _national_subset(national_jsonl, tmp_path)
    folder = tmp_path / "txt"
    folder.mkdir()
    manifest = ["file,doc_id,locality,year,title"]
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        name = f"report_{d['year']}.txt"
        (folder / name).write_text(d["content"], encoding="utf-8")
        manifest.append(f"{name},gwr_{d['year']},全国,{d['year']},{d['title']}")
    (folder / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    a, b = tmp_path / "a", tmp_path / "b"
    r1 = runner.invoke(app, ["extract", str(jsonl), "--doc-id", "gwr_{year}", "--out", str(a),
                             "-q"])
    r2 = runner.invoke(app, ["extract", str(folder), "--out", str(b), "-q"])
    assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output)
    ca, cb = rows(a / "commitments.csv"), rows(b / "commitments.csv")
    assert len(ca) > 300
    strip = ["doc_id", "year", "value", "unit", "quote", "start", "kind", "locality"]
    assert [[r[k] for k in strip] for r in ca] == [[r[k] for k in strip] for r in cb]
    gdp = [r for r in ca if r["doc_id"] == "gwr_2014" and r["indicator"] == "国内生产总值增长"
           and r["kind"] == "pledge"]
    assert [(r["value"], r["qualifier"], r["year"]) for r in gdp][:1] == [("7.5", "about",
                                                                          "2014")]


def test_rules_check_passes():
    r = runner.invoke(app, ["rules", "check"])
    assert r.exit_code == 0, r.output
    assert "0 failed" in r.output


def test_unknown_path_is_an_error_row_and_exit_1(tmp_path):
    r = runner.invoke(app, ["extract", str(tmp_path / "missing.txt"), "--out",
                            str(tmp_path / "o")])
    assert r.exit_code == 1
    errs = rows(tmp_path / "o" / "errors.csv")
    assert len(errs) == 1 and "missing.txt" in errs[0]["path"]


def test_slogans_browser_lists_counts_localities_and_context(tmp_path):
    r = runner.invoke(app, ["slogans", str(SEEDS), "--grep", "四地", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "四地" in r.output
    index = rows(tmp_path / "slogan_index.csv")
    four = next(x for x in index if x["slogan"] == "四地")
    assert int(four["count"]) >= 10 and int(four["documents"]) == 2
    assert "西宁市城西区" in four["localities"] and "四地" in four["context"]
    assert all("四地" in x["slogan"] for x in index)


def test_report_workbook_and_html_on_seeds(tmp_path):
    import openpyxl

    r = runner.invoke(app, ["report", str(SEEDS), "--out", str(tmp_path), "--format", "xlsx",
                            "--format", "csv", "--html", "-q"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(tmp_path / "tracker.xlsx", read_only=True)
    assert {"commitments", "slogans", "by_locality", "documents", "errors"} <= set(wb.sheetnames)
    ws = wb["commitments"]
    sheet = list(ws.iter_rows(values_only=True))
    assert list(sheet[0][:14]) == COMMITMENT_COLUMNS
    row = next(r for r in sheet[1:] if r[8] == "学位")
    assert row[4] == 1155 and isinstance(row[4], (int, float)) and row[1] == "西宁市城西区"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "西宁市城西区" in html and "1155个学位" in html
    assert "src=\"http" not in html and "href=\"http" not in html


def test_progress_estimate_counts_files_and_jsonl_lines(tmp_path):
    from tracker.progress import estimate_items

    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "1"}\n{"text": "2"}\n', encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file\n", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("x", encoding="utf-8")
    assert estimate_items([tmp_path]) == 3


def test_quiet_prints_errors_but_not_skip_notices(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("{not json\n", encoding="utf-8")
    (tmp_path / "in" / "b.png").write_bytes(b"\x89PNG")
    r = runner.invoke(app, ["extract", str(tmp_path / "in"), "--out", str(tmp_path / "o"),
                            "-q", "--no-cache"])
    assert r.exit_code == 1
    assert "a.jsonl:1: line is not valid JSON" in r.stderr
    assert "b.png" not in r.stderr
    assert "no documents found" in r.stderr
    r = runner.invoke(app, ["extract", str(tmp_path / "nosuch"), "--out", str(tmp_path / "o"),
                            "-q", "--no-cache"])
    assert r.exit_code == 1 and "no such file or directory" in r.stderr


def test_doc_id_template_with_an_attribute_exits_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["extract", str(SEEDS), "--out", str(tmp_path), "-q",
                            "--doc-id", "{stem.upper}"])
    assert r.exit_code == 2 and "--doc-id" in r.stderr and "plain fields" in r.stderr


def test_out_that_is_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    r = runner.invoke(app, ["extract", str(SEEDS), "--out", str(tmp_path / "afile"), "-q"])
    assert r.exit_code == 2 and "is a file, not a folder" in r.stderr


def test_an_empty_path_is_not_the_current_folder() -> None:
    from tracker.documents import read_inputs

    (err,) = list(read_inputs([""]))
    assert "empty path" in err.message


def test_manifest_notices_do_not_fail_the_run(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "datong").mkdir(parents=True)
    text = "{}2019年政府工作报告\n今年新建学校3所，城镇新增就业1200人。\n"
    (d / "a.txt").write_text(text.format("杭州市"), encoding="utf-8")
    (d / "datong" / "b.txt").write_text(text.format("大通县"), encoding="utf-8")
    (d / "manifest.csv").write_text("file,locality,year\na.txt,杭洲市,2019\n"
                                    "datong/b.txt,西宁市,2019\n", encoding="utf-8")
    (d / "datong" / "manifest.csv").write_text("file,locality\nb.txt,西宁市大通县\n",
                                               encoding="utf-8")
    out = tmp_path / "o"
    r = runner.invoke(app, ["extract", str(d), "--out", str(out), "-q", "--no-cache"])
    assert r.exit_code == 0, r.output
    assert r.stderr == ""  # --quiet keeps notices out of the terminal, not out of errors.csv
    errs = rows(out / "errors.csv")
    assert [(e["line"], e["stage"]) for e in errs] == [("2", "notice"), ("3", "notice")]
    assert "杭洲市" in errs[0]["message"] and "西宁市大通县" in errs[1]["message"]
    docs = {x["doc_id"]: x for x in rows(out / "documents.csv")}
    assert (docs["a"]["locality"], docs["a"]["locality_code"]) == ("杭洲市", "")
    assert (docs["b"]["locality"], docs["b"]["locality_code"]) == ("西宁市大通县", "630121")
    r = runner.invoke(app, ["extract", str(d), "--out", str(out), "--no-cache"])
    assert r.exit_code == 0 and "杭洲市" in r.stderr
    assert "slogan rows, 0 errors, 2 notices" in r.stdout
    r = runner.invoke(app, ["slogans", str(d), "-q"])
    assert r.exit_code == 0 and r.stderr == "", r.output
    # A real error next to them still fails the run.
    (d / "c.jsonl").write_text("{not json\n", encoding="utf-8")
    r = runner.invoke(app, ["extract", str(d), "--out", str(out), "-q", "--no-cache"])
    assert r.exit_code == 1 and "c.jsonl:1" in r.stderr and "杭洲市" not in r.stderr


def test_line_template_on_a_mixed_folder_and_a_file_given_by_itself(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("大通县2019年政府工作报告\n今年新建学校3所。\n", encoding="utf-8")
    (d / "gwr.jsonl").write_text(json.dumps({"text": "新建公园2个。", "year": 2019},
                                            ensure_ascii=False) + "\n", encoding="utf-8")
    (d / "manifest.csv").write_text("file,locality,year\na.txt,西宁市大通县,2019\n",
                                    encoding="utf-8")
    out = tmp_path / "o"
    r = runner.invoke(app, ["extract", str(d), "--doc-id", "{stem}-{line}", "--out", str(out),
                            "-q", "--no-cache"])
    assert r.exit_code == 0, r.stderr
    assert [x["doc_id"] for x in rows(out / "documents.csv")] == ["a-1", "gwr-1"]
    r = runner.invoke(app, ["extract", str(d / "a.txt"), "--out", str(out), "-q", "--no-cache"])
    assert r.exit_code == 0, r.stderr
    (doc,) = rows(out / "documents.csv")
    assert (doc["locality"], doc["locality_code"], doc["year"]) == ("西宁市大通县", "630121",
                                                                    "2019")
