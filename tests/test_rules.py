"""Rule files: every example in rules/ passes, and broken rules fail clearly."""

from pathlib import Path

import pytest

from tracker.quantities import load_quantity_rules
from tracker.rules import RuleError, read_rule_file


def test_every_rule_example_passes():
    from tracker.rulecheck import check_all

    failures, checked = check_all()
    assert checked > 50
    assert failures == []


def _copy_rules(tmp_path: Path) -> Path:
    import shutil

    from tracker.rules import rules_dir

    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    return dst


def test_toml_syntax_error_names_file_and_line(tmp_path):
    d = _copy_rules(tmp_path)
    p = d / "units.toml"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[30] = 'surface = ["元"'  # unterminated array
    p.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(RuleError) as e:
        load_quantity_rules(d)
    assert "units.toml" in str(e.value) and "TOML syntax error" in str(e.value)
    assert e.value.line is not None


def test_invalid_regex_and_unknown_field(tmp_path):
    d = _copy_rules(tmp_path)
    (d / "exclusions.toml").write_text('[[exclusion]]\nname = "x"\nbefore = "(第"\n',
                                       encoding="utf-8")
    with pytest.raises(RuleError, match="invalid regex"):
        load_quantity_rules(d)
    (d / "exclusions.toml").write_text('[[exclusion]]\nname = "x"\nbefor = "第$"\n',
                                       encoding="utf-8")
    with pytest.raises(RuleError, match="unknown field 'befor'") as e:
        load_quantity_rules(d)
    assert e.value.line == 3


def test_missing_rule_file(tmp_path):
    with pytest.raises(RuleError, match="cannot read rule file"):
        read_rule_file("nope.toml", {}, directory=tmp_path)


def test_a_researcher_can_add_a_unit_without_python(tmp_path):
    from tracker.quantities import find_quantities

    d = _copy_rules(tmp_path)
    with (d / "units.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[unit]]\nsurface = ["眼"]\nunit = "眼"\nexamples = ["新打机井30眼"]\n')
    rules = load_quantity_rules(d)
    assert [(q.value, q.unit) for q in find_quantities("新打机井30眼", rules)] == [(30, "眼")]
