"""Small, realistic tables shaped like the pipeline's output, shared by the writer tests."""

from __future__ import annotations

import polars as pl

COMMITMENT_SCHEMA = {
    "doc_id": pl.String, "locality": pl.String, "kind": pl.String, "year": pl.Int64,
    "value": pl.Float64, "value_max": pl.Float64, "unit": pl.String, "qualifier": pl.String,
    "object": pl.String, "category": pl.String, "quote": pl.String, "start": pl.Int64,
    "end": pl.Int64, "rule": pl.String, "locality_code": pl.String,
}  # fmt: skip

COMMITMENTS = [
    ("002_179a9739007a0764", "长治市上党区", "pledge", 2021, 6.0, None, "个", "exact",
     "社区养老服务中心", "elderly", "新建6个社区养老服务中心", 1204, 1215, "build_n", "140404"),
    ("002_179a9739007a0764", "长治市上党区", "pledge", 2021, 3000.0, None, "人", "at_least",
     "城镇新增就业", "employment", "城镇新增就业3000人以上", 388, 399, "jobs", "140404"),
    ("003_5be1c0aa7de2f1d3", "长治市上党区", "achievement", 2021, 6.8, None, "%", "about",
     "地区生产总值增长", "economy", "地区生产总值增长6.8%左右", 95, 108, "growth", "140404"),
    ("gwr_2016", "全国", "pledge", 2016, 6.5, 7.0, "%", "range",
     "国内生产总值增长", "economy", "国内生产总值增长6.5%－7%", 2310, 2324, "growth", None),
    ("gwr_2017", "全国", "achievement", 2016, 6.7, None, "%", "exact",
     "国内生产总值增长", "economy", "国内生产总值增长6.7%", 120, 131, "growth", None),
    ("gwr_2017", "全国", "pledge", 2017, 6.5, None, "%", "about",
     "国内生产总值增长", "economy", "国内生产总值增长6.5%左右，在实际工作中争取更好结果", 2410,
     2436, "growth", None),
    ("gwr_2017", "全国", "pledge", 2017, 1100.0, None, "万人", "at_least",
     "城镇新增就业", "employment", "城镇新增就业1100万人以上", 2440, 2453, "jobs", None),
    ("gwr_2018", "全国", "achievement", 2017, 6.9, None, "%", "exact",
     "国内生产总值增长", "economy", "国内生产总值增长6.9%", 140, 151, "growth", None),
    ("004_9e0f6a1b2c3d4e5f", "太原市", "pledge", 2022, 120.0, None, "所", "exact",
     "普惠性幼儿园", "education", "新建改扩建普惠性幼儿园120所<script>alert(1)</script>",
     560, 575, "build_n", "140100"),
]  # fmt: skip

SLOGANS = [
    ("002_179a9739007a0764", "长治市上党区", "六稳六保", "numbered", 2, 80),
    ("002_179a9739007a0764", "长治市上党区", "放管服", "quoted", 3, 400),
    ("gwr_2016", "全国", "三去一降一补", "quoted+numbered", 4, 1500),
    ("gwr_2017", "全国", "三去一降一补", "quoted+numbered", 2, 1800),
    ("gwr_2017", "全国", "放管服", "quoted", 5, 2100),
    ("gwr_2018", "全国", "放管服", "quoted", 4, 2200),
    ("004_9e0f6a1b2c3d4e5f", "太原市", "六稳六保", "numbered", 1, 30),
]

DOCUMENTS = [
    ("002_179a9739007a0764", "seeds/002.html", "2021年长治市上党区政府工作报告", "长治市上党区",
     2021, "2021-01-20", 15230, "ok"),
    ("003_5be1c0aa7de2f1d3", "seeds/003.html", "2022年长治市上党区政府工作报告", "长治市上党区",
     2022, "2022-01-18", 14002, "ok"),
    ("gwr_2016", "seeds/gwr.jsonl:1", "2016年国务院政府工作报告", "全国", 2016, "2016-03-05",
     19876, "ok"),
    ("gwr_2017", "seeds/gwr.jsonl:2", "2017年国务院政府工作报告", "全国", 2017, "2017-03-05",
     20112, "ok"),
    ("gwr_2018", "seeds/gwr.jsonl:3", "2018年国务院政府工作报告", "全国", 2018, "2018-03-05",
     21345, "ok"),
    ("004_9e0f6a1b2c3d4e5f", "seeds/004.pdf", "太原市2022年政府工作报告", "太原市", 2022, None,
     18001, "ok"),
]  # fmt: skip


def sample_tables() -> dict[str, pl.DataFrame]:
    """Tables named and shaped as the pipeline produces them."""
    commitments = pl.DataFrame(COMMITMENTS, schema=COMMITMENT_SCHEMA, orient="row")
    slogans = pl.DataFrame(
        SLOGANS,
        schema={"doc_id": pl.String, "locality": pl.String, "slogan": pl.String,
                "form": pl.String, "count": pl.Int64, "start": pl.Int64},
        orient="row",
    )  # fmt: skip
    documents = pl.DataFrame(
        DOCUMENTS,
        schema={"doc_id": pl.String, "path": pl.String, "title": pl.String,
                "locality": pl.String, "year": pl.Int64, "date": pl.String,
                "chars": pl.Int64, "status": pl.String},
        orient="row",
    )  # fmt: skip
    errors = pl.DataFrame(
        [("seeds/bad.pdf", None, 0, None, "read",
          "无法解码：文件不是有效的PDF，请检查文件是否损坏")],
        schema={"path": pl.String, "line": pl.Int64, "offset": pl.Int64, "doc_id": pl.String,
                "stage": pl.String, "message": pl.String},
        orient="row",
    )  # fmt: skip
    by_locality = (
        commitments.group_by("locality", "year", "kind", "category", "unit")
        .agg(records=pl.len().cast(pl.Int64), value_sum=pl.col("value").sum())
        .sort("locality", "year", "kind", "category", "unit")
    )
    slogans_by_locality = (
        slogans.join(documents.select("doc_id", "year"), on="doc_id", how="left")
        .group_by("slogan", "locality", "year")
        .agg(count=pl.col("count").sum(), documents=pl.col("doc_id").n_unique().cast(pl.Int64))
        .sort("slogan", "locality", "year")
    )
    track = pl.DataFrame(
        [
            ("全国", "国内生产总值增长|%", 2016, "%", 6.5, 7.0, "range", 6.7, "met", 1.0,
             "gwr_2016", "国内生产总值增长6.5%－7%", "gwr_2017", "国内生产总值增长6.7%"),
            ("全国", "国内生产总值增长|%", 2017, "%", 6.5, None, "about", 6.9, "exceeded", 1.06,
             "gwr_2017", "国内生产总值增长6.5%左右，在实际工作中争取更好结果", "gwr_2018",
             "国内生产总值增长6.9%"),
            ("全国", "城镇新增就业|万人", 2017, "万人", 1100.0, None, "at_least", None,
             "pending", None, "gwr_2017", "城镇新增就业1100万人以上", None, None),
        ],
        schema={"locality": pl.String, "key": pl.String, "year": pl.Int64, "unit": pl.String,
                "pledged_value": pl.Float64, "pledged_value_max": pl.Float64,
                "qualifier": pl.String, "achieved_value": pl.Float64, "status": pl.String,
                "ratio": pl.Float64, "pledge_doc": pl.String, "pledge_quote": pl.String,
                "result_doc": pl.String, "result_quote": pl.String},
        orient="row",
    )  # fmt: skip
    return {
        "commitments": commitments,
        "slogans": slogans,
        "documents": documents,
        "errors": errors,
        "by_locality": by_locality,
        "slogans_by_locality": slogans_by_locality,
        "track": track,
    }
