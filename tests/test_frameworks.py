"""The packaged framework catalog: exact titles, lookups, legacy ids and check references."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from iacguard.errors import IacguardError
from iacguard.frameworks import Catalog, Control, FrameworkError, load_catalog

REPO = Path(__file__).resolve().parents[1]
SHARED_CATALOG = REPO.parent / "shared" / "frameworks" / "catalog.yaml"

CIS_AWS_VERSIONS = ("3.0.0", "4.0.1", "5.0.0", "6.0.0", "7.0.0")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The packaged catalog, as every scan loads it."""
    return load_catalog()


@pytest.fixture(scope="module")
def shared() -> dict[str, Any]:
    """The project's shared framework facts; the test skips when ../shared is absent."""
    if not SHARED_CATALOG.is_file():
        pytest.skip("../shared/frameworks/catalog.yaml is not present")
    data: dict[str, Any] = yaml.safe_load(SHARED_CATALOG.read_text(encoding="utf-8"))
    return data


def ids(controls: tuple[Control, ...] | list[Control]) -> list[tuple[str, str]]:
    return [(c.framework, c.id) for c in controls]


# -- the packaged data ------------------------------------------------------------------------


def test_catalog_has_every_framework_and_a_version(catalog: Catalog) -> None:
    assert list(catalog.frameworks) == [
        "nist-csf-2.0",
        "owasp-nhi-2025",
        "owasp-agentic-top10-2026",
        "owasp-agentic-threats-mitigations",
        "owasp-llm-top10-2025",
        "mitre-atlas",
        "cis-kubernetes",
        *(f"cis-aws-foundations-{v}" for v in CIS_AWS_VERSIONS),
    ]
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", catalog.version)
    assert catalog.families == {
        "cis-aws-foundations": tuple(f"cis-aws-foundations-{v}" for v in CIS_AWS_VERSIONS)
    }


def test_every_shared_control_is_present_with_its_exact_title(
    catalog: Catalog, shared: dict[str, Any]
) -> None:
    for entry in shared["frameworks"]:
        if entry["id"] == "cis-aws-foundations":
            continue
        framework = catalog.frameworks[entry["id"]]
        assert (framework.name, framework.version, framework.url, framework.source) == (
            entry["name"],
            entry["version"],
            entry["url"],
            entry["source"],
        )
        assert framework.notes == entry.get("notes")
        assert framework.id_format == entry.get("id_format")
        assert list(framework.controls) == [c["id"] for c in entry["controls"]]
        for raw in entry["controls"]:
            control = framework.controls[raw["id"]]
            assert control.framework == entry["id"]
            assert control.title == raw["title"]
            assert control.legacy_title == raw.get("legacy_title")
            assert control.alt_titles == tuple(raw.get("alt_titles", ()))
            assert control.tactics == tuple(raw.get("tactics", ()))
            assert control.parent == raw.get("subtechnique_of")
            assert control.confidence == raw.get("confidence")


def test_every_shared_cis_aws_control_is_in_each_version_with_its_number(
    catalog: Catalog, shared: dict[str, Any]
) -> None:
    (cis,) = [f for f in shared["frameworks"] if f["id"] == "cis-aws-foundations"]
    expected: dict[str, dict[str, tuple[str, str]]] = {v: {} for v in CIS_AWS_VERSIONS}
    for raw in cis["controls"]:
        for version, number in raw["ids_by_version"].items():
            expected[version][number] = (raw["id"], raw["title"])
    for version in CIS_AWS_VERSIONS:
        framework = catalog.frameworks[f"cis-aws-foundations-{version}"]
        assert framework.version == version
        assert framework.url == cis["url"]
        assert framework.family == "cis-aws-foundations"
        assert f"cis_{version[:3]}_aws.json" in framework.source
        found = {c.id: (c.key, c.title) for c in framework.controls.values()}
        assert found == expected[version]


def test_every_shared_crosswalk_is_kept(catalog: Catalog, shared: dict[str, Any]) -> None:
    for crosswalk in shared["crosswalks"]:
        for mapping in crosswalk["mappings"]:
            if crosswalk["from"] == "nist-csf-1.1":
                resolution = catalog.resolve(mapping["from"])
                assert [c.id for c in resolution.controls] == mapping["to"]
                assert resolution.via is not None
                assert crosswalk["id"] in resolution.via
                continue
            targets = mapping.get("to", []) + mapping.get("llm", []) + mapping.get("threats", [])
            related = {c.id for c in catalog.crosswalk(crosswalk["from"], mapping["from"])}
            assert set(targets) <= related, (crosswalk["id"], mapping["from"])


def test_controls_are_read_only(catalog: Catalog) -> None:
    framework = catalog.frameworks["owasp-nhi-2025"]
    with pytest.raises(TypeError):
        framework.controls["NHI11"] = framework.controls["NHI1"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        framework.controls["NHI1"].title = "changed"  # type: ignore[misc]


def test_load_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


def test_framework_error_is_an_iacguard_error() -> None:
    assert issubclass(FrameworkError, IacguardError)


# -- resolve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PR.AA-05", [("nist-csf-2.0", "PR.AA-05")]),
        ("pr.aa-5", [("nist-csf-2.0", "PR.AA-05")]),
        ("nist-csf-2.0:PR.AA-05", [("nist-csf-2.0", "PR.AA-05")]),
        ("ASI03", [("owasp-agentic-top10-2026", "ASI03")]),
        ("NHI5", [("owasp-nhi-2025", "NHI5")]),
        ("NHI5:2025", [("owasp-nhi-2025", "NHI5")]),
        ("LLM06", [("owasp-llm-top10-2025", "LLM06")]),
        ("LLM06:2025", [("owasp-llm-top10-2025", "LLM06")]),
        ("T3", [("owasp-agentic-threats-mitigations", "T3")]),
        ("AML.T0010", [("mitre-atlas", "AML.T0010")]),
        ("aml.t0010.001", [("mitre-atlas", "AML.T0010.001")]),
        ("AI Supply Chain Compromise", [("mitre-atlas", "AML.T0010")]),
        ("Identity & Privilege Abuse", [("owasp-agentic-top10-2026", "ASI03")]),
        ("5.1.3", [("cis-kubernetes", "5.1.3")]),
        ("cis-aws-foundations-7.0.0:2.14", [("cis-aws-foundations-7.0.0", "2.14")]),
        ("cis-aws-foundations-7.0.0:admin-wildcard", [("cis-aws-foundations-7.0.0", "2.14")]),
        (
            "admin-wildcard",
            [
                ("cis-aws-foundations-3.0.0", "1.16"),
                ("cis-aws-foundations-4.0.1", "1.16"),
                ("cis-aws-foundations-5.0.0", "1.15"),
                ("cis-aws-foundations-6.0.0", "2.15"),
                ("cis-aws-foundations-7.0.0", "2.14"),
            ],
        ),
    ],
)
def test_resolve_current_references(
    catalog: Catalog, query: str, expected: list[tuple[str, str]]
) -> None:
    resolution = catalog.resolve(query)
    assert resolution.query == query
    assert ids(resolution.controls) == expected
    assert resolution.via is None


def test_resolve_csf_1_1_id_names_its_replacement(catalog: Catalog) -> None:
    for query in ("PR.AC-4", "pr.ac-4", "nist-csf-2.0:PR.AC-4", "nist-csf-1.1:PR.AC-4"):
        resolution = catalog.resolve(query)
        assert ids(resolution.controls) == [("nist-csf-2.0", "PR.AA-05")]
        assert resolution.via == (
            "NIST CSF 1.1 PR.AC-4 moved to PR.AA-05 in CSF 2.0 "
            "(crosswalk nist-csf-1.1-to-2.0-PR.AC)"
        )


def test_resolve_csf_1_1_id_split_across_controls(catalog: Catalog) -> None:
    resolution = catalog.resolve("PR.AC-3")
    assert [c.id for c in resolution.controls] == ["PR.AA-03", "PR.AA-05", "PR.IR-01"]
    assert resolution.via is not None
    assert "incorporated into PR.AA-03, PR.AA-05 and PR.IR-01" in resolution.via


def test_resolve_agent_03_explains_that_no_such_id_exists(catalog: Catalog) -> None:
    resolution = catalog.resolve("AGENT-03")
    (control,) = resolution.controls
    assert (control.framework, control.id, control.title) == (
        "owasp-agentic-top10-2026",
        "ASI03",
        "Identity and Privilege Abuse",
    )
    assert resolution.via is not None
    assert "AGENT-03 is not an OWASP id" in resolution.via
    assert "No OWASP document uses 'AGENT-03'" in resolution.via
    assert "AAI003" in resolution.via


@pytest.mark.parametrize("query", ["AGENT-07", "agent-7", "AGENT07"])
def test_resolve_other_agent_ids_to_the_asi_id_of_the_same_number(
    catalog: Catalog, query: str
) -> None:
    resolution = catalog.resolve(query)
    assert ids(resolution.controls) == [("owasp-agentic-top10-2026", "ASI07")]
    assert resolution.via is not None
    assert "No OWASP document uses AGENT-NN style ids" in resolution.via


def test_resolve_legacy_atlas_title(catalog: Catalog) -> None:
    resolution = catalog.resolve("ML Supply Chain Compromise")
    assert ids(resolution.controls) == [("mitre-atlas", "AML.T0010")]
    assert resolution.via is not None
    assert "AI Supply Chain Compromise" in resolution.via
    assert "mitre-atlas-legacy-titles" in resolution.via


def test_resolve_every_legacy_atlas_title(catalog: Catalog) -> None:
    atlas = catalog.frameworks["mitre-atlas"]
    legacy = [c for c in atlas.controls.values() if c.legacy_title is not None]
    assert legacy
    for control in legacy:
        assert control.legacy_title is not None
        assert catalog.resolve(control.legacy_title).controls == (control,)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1.16", [("cis-aws-foundations-3.0.0", "1.16"), ("cis-aws-foundations-4.0.1", "1.16")]),
        ("2.14", [("cis-aws-foundations-6.0.0", "2.14"), ("cis-aws-foundations-7.0.0", "2.14")]),
        (
            "cis-aws-foundations:2.14",
            [("cis-aws-foundations-6.0.0", "2.14"), ("cis-aws-foundations-7.0.0", "2.14")],
        ),
    ],
)
def test_resolve_ambiguous_id_lists_every_match(
    catalog: Catalog, query: str, expected: list[tuple[str, str]]
) -> None:
    resolution = catalog.resolve(query)
    assert ids(resolution.controls) == expected
    assert resolution.via is None


def test_ambiguous_2_14_means_different_controls_per_version(catalog: Catalog) -> None:
    keys = [c.key for c in catalog.resolve("2.14").controls]
    assert keys == ["permissions-via-groups", "admin-wildcard"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty control reference"),
        ("PR.AA-5x", "close matches: PR.AA-05"),
        ("NHI11:2025", "no control 'NHI11' in edition 2025"),
        ("LLM06:2024", "'2024' is not an edition"),
        ("nist-csf-2.0:ASI03", "it is a control of owasp-agentic-top10-2026"),
        ("nist-csf-1.1:PR.AC-9", "does not map 'PR.AC-9'"),
        ("AGENT-11", "nothing in the framework catalog matches 'AGENT-11'"),
    ],
)
def test_resolve_unknown_reference_raises(catalog: Catalog, query: str, message: str) -> None:
    with pytest.raises(FrameworkError, match=re.escape(message)):
        catalog.resolve(query)


# -- control ----------------------------------------------------------------------------------


def test_control_accepts_spellings_and_keys(catalog: Catalog) -> None:
    assert catalog.control("owasp-nhi-2025", "nhi-05:2025").id == "NHI5"
    assert catalog.control("cis-aws-foundations-7.0.0", "admin-wildcard").id == "2.14"
    assert catalog.control("cis-aws-foundations-3.0.0", "admin-wildcard").id == "1.16"


@pytest.mark.parametrize(
    ("framework", "control", "message"),
    [
        ("nist-csf-2.0", "PR.AC-4", "use PR.AA-05"),
        ("nist-csf-2.1", "PR.AA-05", "unknown framework 'nist-csf-2.1'; close matches: nist-csf"),
        ("nist-csf-2.0", "PR.AA-07", "close matches: PR.AA-06"),
        ("cis-aws-foundations", "admin-wildcard", "cis-aws-foundations is versioned"),
        ("nist-csf-1.1", "PR.AC-4", "nist-csf-1.1 is not a current framework"),
        ("owasp-nhi-2025", "NHI5:2024", "names edition '2024'"),
        ("mitre-atlas", "ML Supply Chain Compromise", "use AML.T0010"),
        (
            "cis-aws-foundations-7.0.0",
            "no-initial-access-keys",
            "1.10 in cis-aws-foundations-5.0.0",
        ),
    ],
)
def test_control_names_what_is_wrong(
    catalog: Catalog, framework: str, control: str, message: str
) -> None:
    with pytest.raises(FrameworkError, match=re.escape(message)):
        catalog.control(framework, control)


# -- validate_references ----------------------------------------------------------------------


def test_validate_references_rejects_csf_1_1_id_naming_its_replacement(catalog: Catalog) -> None:
    with pytest.raises(FrameworkError, match=r"PR\.AC-4.*PR\.AA-05"):
        catalog.validate_references({"nist-csf-2.0": ["PR.AC-4"]})


def test_validate_references_rejects_unknown_framework(catalog: Catalog) -> None:
    with pytest.raises(FrameworkError, match="unknown framework 'owasp-nhi-2024'"):
        catalog.validate_references({"owasp-nhi-2024": ["NHI5"]})


def test_validate_references_rejects_unknown_control(catalog: Catalog) -> None:
    with pytest.raises(FrameworkError, match="'NHI11' is not a control of owasp-nhi-2025"):
        catalog.validate_references({"owasp-nhi-2025": ["NHI5", "NHI11"]})


def test_validate_references_names_every_problem_at_once(catalog: Catalog) -> None:
    with pytest.raises(FrameworkError) as caught:
        catalog.validate_references(
            {
                "nist-csf-2.0": ["PR.AC-4"],
                "owasp-llm-top10-2025": "LLM06",
                "cis-aws-foundations": ["2.14", "no-such-key"],
            }
        )
    message = caught.value.one_line()
    assert "use PR.AA-05" in message
    assert "not the string 'LLM06'" in message
    assert "'2.14' is a version-specific number" in message
    assert "unknown key 'no-such-key'" in message


def test_validate_references_normalises(catalog: Catalog) -> None:
    assert catalog.validate_references(
        {
            "owasp-nhi-2025": ["NHI7", "nhi5", "NHI5:2025"],
            "nist-csf-2.0": ["PR.AA-05", "pr.aa-01"],
            "mitre-atlas": [],
        }
    ) == {"nist-csf-2.0": ("PR.AA-01", "PR.AA-05"), "owasp-nhi-2025": ("NHI5", "NHI7")}


def test_validate_references_expands_cis_aws_keys_per_version(catalog: Catalog) -> None:
    assert catalog.validate_references(
        {"cis-aws-foundations": ["admin-wildcard", "no-initial-access-keys", "principal-star"]}
    ) == {
        "cis-aws-foundations-3.0.0": ("1.11", "1.16"),
        "cis-aws-foundations-4.0.1": ("1.11", "1.16"),
        "cis-aws-foundations-5.0.0": ("1.10", "1.15"),
        "cis-aws-foundations-6.0.0": ("2.10", "2.15"),
        "cis-aws-foundations-7.0.0": ("2.14", "2.21"),
    }


def test_validate_references_merges_key_and_versioned_number(catalog: Catalog) -> None:
    assert catalog.validate_references(
        {
            "cis-aws-foundations": ["root-access-key"],
            "cis-aws-foundations-7.0.0": ["2.14"],
        }
    ) == {
        "cis-aws-foundations-3.0.0": ("1.4",),
        "cis-aws-foundations-4.0.1": ("1.4",),
        "cis-aws-foundations-5.0.0": ("1.3",),
        "cis-aws-foundations-6.0.0": ("2.3",),
        "cis-aws-foundations-7.0.0": ("2.4", "2.14"),
    }


# -- crosswalk --------------------------------------------------------------------------------


def test_crosswalk_nhi5_includes_asi03(catalog: Catalog) -> None:
    assert ("owasp-agentic-top10-2026", "ASI03") in ids(catalog.crosswalk("owasp-nhi-2025", "NHI5"))


def test_crosswalk_asi03_reaches_llm_threats_and_nhi(catalog: Catalog) -> None:
    related = ids(catalog.crosswalk("owasp-agentic-top10-2026", "ASI03"))
    for expected in [
        ("owasp-llm-top10-2025", "LLM01"),
        ("owasp-llm-top10-2025", "LLM02"),
        ("owasp-llm-top10-2025", "LLM06"),
        ("owasp-agentic-threats-mitigations", "T3"),
        ("owasp-nhi-2025", "NHI5"),
    ]:
        assert expected in related
    assert all(framework != "owasp-agentic-top10-2026" for framework, _ in related)


def test_crosswalk_links_a_cis_aws_control_to_its_other_versions(catalog: Catalog) -> None:
    assert ids(catalog.crosswalk("cis-aws-foundations-7.0.0", "2.14")) == [
        ("cis-aws-foundations-3.0.0", "1.16"),
        ("cis-aws-foundations-4.0.1", "1.16"),
        ("cis-aws-foundations-5.0.0", "1.15"),
        ("cis-aws-foundations-6.0.0", "2.15"),
    ]


def test_crosswalk_without_links_is_empty(catalog: Catalog) -> None:
    assert catalog.crosswalk("nist-csf-2.0", "PR.AA-05") == []


# -- catalog structure checks -----------------------------------------------------------------


def small_catalog(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "catalog_version": "2026.1.1",
        "frameworks": [
            {
                "id": "fw-a",
                "name": "A",
                "version": "1",
                "url": "https://example.org/a",
                "source": "test",
                "controls": [{"id": "A1", "title": "One"}, {"id": "A2", "title": "Two"}],
            }
        ],
    }
    data.update(changes)
    return data


def test_small_catalog_builds() -> None:
    built = Catalog.from_mapping(small_catalog())
    assert built.control("fw-a", "a-01").title == "One"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"catalog_version": "one"}, "catalog_version"),
        ({"extra": 1}, "extra"),
        (
            {
                "frameworks": [
                    {
                        "id": "fw-a",
                        "name": "A",
                        "version": "1",
                        "url": "https://example.org/a",
                        "source": "test",
                        "controls": [{"id": 1.10, "title": "Float"}],
                    }
                ]
            },
            "quoted strings",
        ),
        (
            {
                "crosswalks": [
                    {
                        "id": "x",
                        "kind": "related",
                        "from": "fw-a",
                        "to": ["fw-a"],
                        "source": "test",
                        "mappings": [{"from": "A1", "to": ["A3"]}],
                    }
                ]
            },
            "maps A1 to 'A3'",
        ),
        (
            {
                "crosswalks": [
                    {
                        "id": "x",
                        "kind": "legacy",
                        "from": "old",
                        "from_name": "Old",
                        "to": ["fw-a"],
                        "to_name": "A",
                        "source": "test",
                        "mappings": [{"from": "A-01", "to": ["A1"]}],
                    }
                ]
            },
            "which is a current id",
        ),
    ],
)
def test_malformed_catalog_is_rejected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(FrameworkError, match=re.escape(message)):
        Catalog.from_mapping(small_catalog(**changes))
