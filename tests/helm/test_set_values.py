"""``--set`` as Helm reads it: ``iacguard.inputs.helm.parse_set`` on Helm's strvals syntax, and
how values files and ``--set`` combine into the values a chart is rendered with.

Every expected value is also checked against Helm's own parser (``helm_python.parse_set_string``,
Helm's strvals through the embedded Helm SDK), so the expectations are Helm's, not guesses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import helm_python
import pytest

from iacguard.errors import InputError
from iacguard.inputs import HelmOptions, load_inputs
from iacguard.inputs.helm import parse_set

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ECHO = FIXTURES / "echo-values"


class Case(NamedTuple):
    id: str
    expression: str
    expected: dict[str, Any]
    bug: str | None = None


CASES = [
    # Keys
    Case("nested-keys", "a.b.c=x", {"a": {"b": {"c": "x"}}}),
    Case("sibling-keys", "a.b=1,a.c=2", {"a": {"b": 1, "c": 2}}),
    Case("several-pairs", "a=1,b.c=two,d[0]=x", {"a": 1, "b": {"c": "two"}, "d": ["x"]}),
    Case("value-with-equals", "a=b=c", {"a": "b=c"}),
    Case("empty-value", "a=", {"a": ""}),
    # Lists
    Case("list-item", "a[0]=x", {"a": ["x"]}),
    Case("list-items", "a[0]=x,a[1]=y", {"a": ["x", "y"]}),
    Case("list-gap", "a[2]=z", {"a": [None, None, "z"]}),
    Case("list-of-maps", "a[0].b=x,a[0].c=y", {"a": [{"b": "x", "c": "y"}]}),
    Case("list-in-map", "a.b[0].c=1", {"a": {"b": [{"c": 1}]}}),
    Case(
        "list-gap-before-a-map",
        "a[1].b=y",
        {"a": [None, {"b": "y"}]},
        bug="_assign pads a list with {} before an item that is a map; Helm pads with null",
    ),
    Case(
        "list-in-braces",
        "ports={80,443}",
        {"ports": [80, 443]},
        bug="Helm's {a,b} list syntax is not read: the comma inside the braces splits the "
        "pair and `443}` is reported as not KEY=VALUE",
    ),
    # Typed values
    Case("ints", "a=1,b=-7,c=0,d=12345678901", {"a": 1, "b": -7, "c": 0, "d": 12345678901}),
    Case(
        "leading-zeros-stay-strings",
        "a=007,b=00,zip=01234",
        {"a": "007", "b": "00", "zip": "01234"},
    ),
    Case("floats-stay-strings", "a=1.5,b=1e3", {"a": "1.5", "b": "1e3"}),
    Case("booleans", "a=true,b=false", {"a": True, "b": False}),
    Case("null", "a=null", {"a": None}),
    Case("words-stay-strings", "a=yes,b=no,c=on,d=~", {"a": "yes", "b": "no", "c": "on", "d": "~"}),
    Case(
        "booleans-and-null-any-case",
        "a=True,b=FALSE,c=Null",
        {"a": True, "b": False, "c": None},
        bug="_typed compares true/false/null case-sensitively; Helm uses strings.EqualFold",
    ),
    Case(
        "int64-overflow-stays-a-string",
        "a=9223372036854775808",
        {"a": "9223372036854775808"},
        bug="_typed makes any run of digits an int; Helm keeps a value that does not fit int64 "
        "as a string",
    ),
    # Escapes
    Case("escaped-comma", r"a=x\,y,b=z", {"a": "x,y", "b": "z"}),
    Case("escaped-dot-in-value", r"a=x\.y", {"a": "x.y"}),
    Case("escaped-backslash", r"a=x\\y", {"a": "x\\y"}),
    Case(
        "escaped-dot-in-key",
        r"a\.b=1",
        {"a.b": 1},
        bug="parse_set unescapes the whole item while splitting on commas, so `\\.` is a plain "
        "dot by the time the key is split on dots",
    ),
    Case(
        "annotation-key",
        r"annotations.service\.beta\.kubernetes\.io/aws-load-balancer-scheme=internal",
        {"annotations": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}},
        bug="escaped dots in keys are split (see escaped-dot-in-key)",
    ),
    Case(
        "escaped-comma-in-key",
        r"a\,b=1",
        {"a,b": 1},
    ),
]


def _params(with_bugs: bool) -> list[Any]:
    return [
        pytest.param(
            case.expression,
            case.expected,
            id=case.id,
            marks=[],
        )
        for case in CASES
    ]


@pytest.mark.parametrize(("expression", "expected"), _params(with_bugs=True))
def test_parse_set(expression: str, expected: dict[str, Any]) -> None:
    parsed = parse_set(expression)
    assert parsed == expected
    # Types too: 1 is not True, "1" is not 1.
    assert json.dumps(parsed, sort_keys=True) == json.dumps(expected, sort_keys=True)


@pytest.mark.parametrize(("expression", "expected"), _params(with_bugs=False))
def test_expectations_are_helm_s(expression: str, expected: dict[str, Any]) -> None:
    assert helm_python.parse_set_string(expression) == expected


ERRORS = [
    pytest.param("novalue", 'key "novalue" has no value', id="no-equals"),
    pytest.param("a=1,b", 'key "b" has no value', id="no-equals-after-a-pair"),
    pytest.param("a,b=1", 'key "a" has no value', id="no-equals-before-a-pair"),
    pytest.param("a[x]=1", "error parsing index", id="index-not-a-number"),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS)
def test_parse_set_errors(expression: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_set(expression)
    assert raised.value.path == "--set"
    assert message in raised.value.one_line()


@pytest.mark.parametrize("expression", [p.values[0] for p in ERRORS])
def test_helm_rejects_them_too(expression: str) -> None:
    with pytest.raises(helm_python.HelmValuesError):
        helm_python.parse_set_string(expression)


# --------------------------------------------------------------------------------------------
# Values files and --set together, as the chart receives them (the echo-values chart renders
# .Values into a ConfigMap)
# --------------------------------------------------------------------------------------------

CHART_DEFAULTS: dict[str, Any] = {
    "fromChart": "default",
    "list": ["chart-a", "chart-b"],
    "nested": {"keep": "chart", "replace": "chart"},
}


def _echo(*values: Path, sets: tuple[str, ...] = ()) -> Any:
    """The values the echo-values chart was rendered with."""
    loaded = load_inputs([str(ECHO)], HelmOptions(values=values, sets=sets))
    [document] = loaded.documents
    [configmap] = document.resources
    assert configmap.address == "k8s:ConfigMap/default/values"
    return json.loads(configmap.after["data"]["values.json"])


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "first.yaml"
    first.write_text(
        "nested:\n  replace: first\n  extra: first\nlist: [first-a, first-b, first-c]\n"
        "onlyFirst: x\n",
        encoding="utf-8",
    )
    second = tmp_path / "second.yaml"
    second.write_text("nested:\n  replace: second\nonlySecond: y\n", encoding="utf-8")
    return first, second


def test_chart_defaults_alone() -> None:
    assert _echo() == CHART_DEFAULTS


def test_values_files_then_set_over_chart_defaults(files: tuple[Path, Path]) -> None:
    assert _echo(*files, sets=("nested.fromSet=1", "onlySecond=z")) == {
        "fromChart": "default",
        "list": ["first-a", "first-b", "first-c"],
        "nested": {"keep": "chart", "replace": "second", "extra": "first", "fromSet": 1},
        "onlyFirst": "x",
        "onlySecond": "z",
    }


def test_later_values_file_wins(files: tuple[Path, Path]) -> None:
    first, second = files
    assert _echo(second, first)["nested"]["replace"] == "first"
    assert _echo(first, second)["nested"]["replace"] == "second"


def test_later_set_wins() -> None:
    assert _echo(sets=("fromChart=one", "fromChart=two"))["fromChart"] == "two"


def test_set_null_removes_a_chart_default() -> None:
    assert _echo(sets=("nested.keep=null",))["nested"] == {"replace": "chart"}


def test_set_replaces_a_chart_list_whole() -> None:
    # The chart's own values.yaml is coalesced after --set: its list is not indexed into.
    assert _echo(sets=("list[0]=x",))["list"] == ["x"]


def test_set_index_into_a_list_of_a_values_file(files: tuple[Path, Path]) -> None:
    first, _ = files
    assert _echo(first, sets=("list[1]=set",))["list"] == ["first-a", "set", "first-c"]


def test_two_sets_into_one_list() -> None:
    assert _echo(sets=("list[0]=x", "list[1]=y"))["list"] == ["x", "y"]
