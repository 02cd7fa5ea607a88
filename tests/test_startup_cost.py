"""Start-up costs that every `check` and `scan` pays: the rule files' parser and their schema's validator."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from lurewatch.indicators.engine import _rule_files
from lurewatch.indicators.policy import validate_rule_file
from lurewatch.yamlfast import safe_load


def test_the_fast_parser_reads_every_rule_file_as_the_safe_loader_does():
    files = _rule_files(None)
    assert len(files) >= 10
    for name, text in files:
        assert safe_load(text) == yaml.safe_load(text), name


def test_the_fast_parser_refuses_python_objects_and_reports_yaml_errors():
    with pytest.raises(yaml.YAMLError):
        safe_load("!!python/object/apply:os.system ['true']")
    with pytest.raises(yaml.YAMLError):
        safe_load("indicators: [unclosed")


def test_the_validator_does_not_load_format_checkers_the_schema_never_uses():
    import json

    from lurewatch.indicators.policy import schema

    assert '"format"' not in json.dumps(schema()), "the schema now uses a format: let its checker load"
    code = ("import sys; from lurewatch.indicators import policy; policy._validator(); "
            "print('rfc3987_syntax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    # and it still finds what is wrong with a rule file
    problems = validate_rule_file("x.yaml", {"indicators": [{"id": "LW-X-001"}]})
    assert problems and all(p.startswith("x.yaml:") for p in problems)
