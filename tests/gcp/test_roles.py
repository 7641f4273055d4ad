"""The curated GCP predefined-role catalog (iacguard/gcp/data/predefined_roles.json) and
iacguard.gcp.roles, which answers what a role grants."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from iacguard.about import data_versions
from iacguard.gcp.roles import (
    RoleCatalogError,
    RoleDefinition,
    catalog_roles,
    catalog_version,
    load_role_catalog,
    permission_matches,
    predefined_role,
    roles_granting,
)
from iacguard.model import catalog_data
from iacguard.model.values import Tristate

YES, MAYBE, NO = Tristate.YES, Tristate.MAYBE, Tristate.NO

REPO = Path(__file__).resolve().parents[2]
DATA_FILE = REPO / "iacguard" / "gcp" / "data" / "predefined_roles.json"

_REQUIRED = """
owner editor viewer browser
storage.admin storage.objectAdmin storage.objectCreator storage.objectViewer storage.objectUser
storage.legacyBucketOwner storage.legacyBucketReader storage.legacyBucketWriter
storage.legacyObjectOwner storage.legacyObjectReader storage.bucketViewer
aiplatform.admin aiplatform.user aiplatform.viewer aiplatform.featurestoreAdmin
aiplatform.featurestoreUser aiplatform.featurestoreDataViewer aiplatform.featurestoreDataWriter
iam.serviceAccountUser iam.serviceAccountTokenCreator iam.serviceAccountAdmin
iam.serviceAccountKeyAdmin iam.workloadIdentityUser iam.serviceAccountOpenIdTokenCreator
iam.roleAdmin iam.securityAdmin iam.securityReviewer iam.workloadIdentityPoolAdmin
resourcemanager.projectIamAdmin resourcemanager.folderIamAdmin
resourcemanager.organizationAdmin resourcemanager.projectCreator
container.admin container.developer container.viewer container.clusterAdmin
container.clusterViewer container.defaultNodeServiceAccount
secretmanager.admin secretmanager.secretAccessor secretmanager.secretVersionManager
secretmanager.secretVersionAdder secretmanager.viewer
cloudkms.admin cloudkms.cryptoKeyEncrypterDecrypter cloudkms.cryptoKeyDecrypter
cloudkms.cryptoKeyEncrypter cloudkms.viewer
bigquery.admin bigquery.dataOwner bigquery.dataEditor bigquery.dataViewer bigquery.user
bigquery.jobUser bigquery.metadataViewer
artifactregistry.admin artifactregistry.repoAdmin artifactregistry.writer artifactregistry.reader
compute.admin compute.instanceAdmin.v1 compute.instanceAdmin compute.viewer compute.networkAdmin
compute.osLogin compute.osAdminLogin
logging.admin logging.logWriter logging.viewer logging.configWriter
monitoring.metricWriter monitoring.viewer
cloudbuild.builds.editor run.admin run.invoker cloudfunctions.developer
notebooks.admin notebooks.runner pubsub.publisher pubsub.subscriber
serviceusage.serviceUsageConsumer dataflow.worker composer.worker ml.developer
"""
REQUIRED_ROLES = _REQUIRED.split()
"""Every role the brief and the other GCP modules rely on (without the ``roles/`` prefix)."""

# A permission is service.resource.verb; a few services are named by a domain
# (iam.googleapis.com/workloadIdentityPools.create).
PERMISSION = re.compile(r"^[a-z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)*(/[a-zA-Z0-9]+)?\.[a-zA-Z]+$")


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


def _role(name: str) -> RoleDefinition:
    role = predefined_role(name)
    assert role is not None, name
    return role


# --- the behaviour others rely on ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "permission", "answer"),
    [
        ("roles/storage.objectViewer", "storage.objects.get", YES),
        ("roles/storage.objectViewer", "storage.objects.list", YES),
        ("roles/storage.objectViewer", "storage.objects.create", NO),
        ("roles/storage.objectViewer", "storage.objects.delete", NO),
        ("roles/storage.objectCreator", "storage.objects.create", YES),
        ("roles/storage.objectCreator", "storage.objects.get", NO),
        ("roles/storage.objectAdmin", "storage.objects.delete", YES),
        ("roles/storage.objectAdmin", "storage.objects.setIamPolicy", YES),
        # storage.objects.* is Google's wildcard for the role: newer permissions are held too
        ("roles/storage.objectAdmin", "storage.objects.someNewVerb", YES),
        ("roles/storage.objectAdmin", "storage.buckets.delete", NO),
        ("roles/storage.admin", "storage.buckets.setIamPolicy", YES),
        ("roles/storage.admin", "storage.hmacKeys.create", NO),
        ("roles/storage.hmacKeyAdmin", "storage.hmacKeys.create", YES),
        ("roles/storage.legacyBucketReader", "storage.objects.get", NO),
        ("roles/storage.legacyObjectReader", "storage.objects.get", YES),
        ("roles/storage.legacyBucketOwner", "storage.buckets.setIamPolicy", YES),
        ("roles/storage.legacyBucketOwner", "storage.objects.get", NO),
    ],
)
def test_storage_roles(role: str, permission: str, answer: Tristate) -> None:
    assert _role(role).grants(permission) is answer


@pytest.mark.parametrize(
    ("role", "permission", "answer"),
    [
        ("roles/iam.serviceAccountUser", "iam.serviceAccounts.actAs", YES),
        ("roles/iam.serviceAccountUser", "iam.serviceAccounts.getAccessToken", NO),
        ("roles/iam.serviceAccountTokenCreator", "iam.serviceAccounts.getAccessToken", YES),
        ("roles/iam.serviceAccountTokenCreator", "iam.serviceAccounts.signBlob", YES),
        ("roles/iam.serviceAccountTokenCreator", "iam.serviceAccounts.signJwt", YES),
        ("roles/iam.serviceAccountTokenCreator", "iam.serviceAccounts.implicitDelegation", YES),
        ("roles/iam.serviceAccountTokenCreator", "iam.serviceAccounts.getOpenIdToken", YES),
        ("roles/iam.serviceAccountTokenCreator", "iam.serviceAccounts.actAs", NO),
        ("roles/iam.workloadIdentityUser", "iam.serviceAccounts.getAccessToken", YES),
        ("roles/iam.workloadIdentityUser", "iam.serviceAccounts.getOpenIdToken", YES),
        ("roles/iam.workloadIdentityUser", "iam.serviceAccounts.signBlob", NO),
        ("roles/iam.serviceAccountOpenIdTokenCreator", "iam.serviceAccounts.getOpenIdToken", YES),
        ("roles/iam.serviceAccountOpenIdTokenCreator", "iam.serviceAccounts.getAccessToken", NO),
        ("roles/iam.serviceAccountKeyAdmin", "iam.serviceAccountKeys.create", YES),
        ("roles/iam.serviceAccountAdmin", "iam.serviceAccounts.setIamPolicy", YES),
        ("roles/iam.serviceAccountAdmin", "iam.serviceAccountKeys.create", NO),
        ("roles/iam.roleAdmin", "iam.roles.update", YES),
        ("roles/iam.securityAdmin", "resourcemanager.projects.setIamPolicy", YES),
        ("roles/iam.securityAdmin", "iam.serviceAccounts.setIamPolicy", YES),
        # approximate: security admin sets most policies, but only these are confirmed
        ("roles/iam.securityAdmin", "bigquery.datasets.setIamPolicy", MAYBE),
        ("roles/iam.securityAdmin", "storage.objects.get", NO),
        ("roles/iam.securityReviewer", "resourcemanager.projects.getIamPolicy", YES),
        ("roles/iam.securityReviewer", "resourcemanager.projects.setIamPolicy", NO),
        ("roles/resourcemanager.projectIamAdmin", "resourcemanager.projects.setIamPolicy", YES),
        ("roles/resourcemanager.projectIamAdmin", "iam.serviceAccounts.actAs", NO),
        ("roles/resourcemanager.organizationAdmin", "resourcemanager.folders.setIamPolicy", YES),
        ("roles/resourcemanager.projectCreator", "resourcemanager.projects.create", YES),
    ],
)
def test_identity_roles(role: str, permission: str, answer: Tristate) -> None:
    assert _role(role).grants(permission) is answer


@pytest.mark.parametrize(
    ("role", "permission", "answer"),
    [
        ("roles/aiplatform.user", "aiplatform.endpoints.predict", YES),
        ("roles/aiplatform.user", "aiplatform.customJobs.create", YES),
        ("roles/aiplatform.user", "aiplatform.endpoints.setIamPolicy", NO),
        ("roles/aiplatform.viewer", "aiplatform.endpoints.predict", NO),
        ("roles/aiplatform.viewer", "aiplatform.models.get", YES),
        ("roles/aiplatform.admin", "aiplatform.endpoints.setIamPolicy", YES),
        ("roles/aiplatform.admin", "aiplatform.anythingNew.create", YES),
        ("roles/aiplatform.featurestoreDataViewer", "aiplatform.featurestores.writeFeatures", NO),
        (
            "roles/aiplatform.featurestoreDataWriter",
            "aiplatform.entityTypes.writeFeatureValues",
            YES,
        ),
        ("roles/secretmanager.secretAccessor", "secretmanager.versions.access", YES),
        ("roles/secretmanager.viewer", "secretmanager.versions.access", NO),
        ("roles/secretmanager.secretVersionManager", "secretmanager.versions.access", NO),
        ("roles/secretmanager.admin", "secretmanager.versions.access", YES),
        ("roles/cloudkms.cryptoKeyDecrypter", "cloudkms.cryptoKeyVersions.useToDecrypt", YES),
        ("roles/cloudkms.cryptoKeyDecrypter", "cloudkms.cryptoKeyVersions.useToEncrypt", NO),
        # the KMS administrator manages keys but cannot use them
        ("roles/cloudkms.admin", "cloudkms.cryptoKeyVersions.useToDecrypt", NO),
        ("roles/bigquery.dataViewer", "bigquery.tables.getData", YES),
        ("roles/bigquery.metadataViewer", "bigquery.tables.getData", NO),
        ("roles/bigquery.jobUser", "bigquery.jobs.create", YES),
        ("roles/bigquery.admin", "bigquery.tables.getData", YES),
        ("roles/artifactregistry.reader", "artifactregistry.repositories.downloadArtifacts", YES),
        ("roles/artifactregistry.reader", "artifactregistry.repositories.uploadArtifacts", NO),
        ("roles/artifactregistry.writer", "artifactregistry.repositories.uploadArtifacts", YES),
        ("roles/container.developer", "container.secrets.get", YES),
        ("roles/container.developer", "container.clusterRoleBindings.create", NO),
        ("roles/container.viewer", "container.secrets.get", NO),
        ("roles/container.admin", "container.clusterRoleBindings.create", YES),
        ("roles/container.clusterAdmin", "container.pods.exec", NO),
        ("roles/compute.instanceAdmin.v1", "compute.instances.setServiceAccount", YES),
        ("roles/compute.instanceAdmin.v1", "iam.serviceAccounts.actAs", NO),
        ("roles/compute.osAdminLogin", "compute.instances.osAdminLogin", YES),
        ("roles/compute.osLogin", "compute.instances.osAdminLogin", NO),
        ("roles/compute.viewer", "compute.instances.get", YES),
        ("roles/compute.viewer", "compute.instances.create", NO),
        ("roles/compute.networkAdmin", "compute.firewalls.create", NO),
        ("roles/compute.networkAdmin", "compute.routers.create", MAYBE),
        ("roles/run.invoker", "run.routes.invoke", YES),
        ("roles/run.invoker", "run.services.update", NO),
        ("roles/logging.logWriter", "logging.logEntries.create", YES),
        ("roles/logging.viewer", "logging.privateLogEntries.list", NO),
        ("roles/dataflow.worker", "storage.objects.get", YES),
        ("roles/composer.worker", "container.clusters.connect", NO),
        ("roles/notebooks.admin", "notebooks.instances.use", YES),
        ("roles/notebooks.admin", "compute.instances.get", YES),
        ("roles/notebooks.admin", "compute.disks.get", MAYBE),
        ("roles/notebooks.admin", "compute.instances.create", NO),
    ],
)
def test_service_roles(role: str, permission: str, answer: Tristate) -> None:
    assert _role(role).grants(permission) is answer


@pytest.mark.parametrize(
    "permission",
    [
        "compute.instances.create",
        "aiplatform.endpoints.deploy",
        "iam.serviceAccountKeys.create",
        "resourcemanager.projects.setIamPolicy",
        "secretmanager.versions.access",
        "some.futureService.permission",
    ],
)
def test_owner_grants_anything(permission: str) -> None:
    assert _role("roles/owner").grants(permission) is YES


@pytest.mark.parametrize(
    ("permission", "answer"),
    [
        # owners must still be granted roles/iam.serviceAccountTokenCreator to impersonate
        ("iam.serviceAccounts.getAccessToken", NO),
        ("iam.serviceAccounts.signBlob", NO),
        ("iam.serviceAccounts.actAs", YES),
        # Cloud Storage object access comes from the bucket's convenience members, not the role
        ("storage.objects.get", NO),
        ("storage.buckets.create", YES),
    ],
)
def test_owner_documented_exceptions(permission: str, answer: Tristate) -> None:
    assert _role("roles/owner").grants(permission) is answer


@pytest.mark.parametrize(
    ("permission", "answer"),
    [
        ("resourcemanager.projects.setIamPolicy", NO),
        ("storage.buckets.setIamPolicy", NO),
        ("aiplatform.endpoints.setIamPolicy", NO),
        ("compute.instances.create", YES),
        ("compute.instances.setServiceAccount", YES),
        ("iam.serviceAccounts.actAs", YES),
        ("iam.serviceAccountKeys.create", YES),
        ("iam.serviceAccounts.getAccessToken", NO),
        ("iam.roles.create", NO),
        ("secretmanager.versions.access", NO),
        ("secretmanager.versions.add", YES),
        ("aiplatform.endpoints.predict", YES),
        ("storage.objects.get", NO),
        # most writes of most services: not confirmed one by one
        ("pubsub.topics.publish", MAYBE),
        ("bigquery.tables.getData", MAYBE),
    ],
)
def test_editor(permission: str, answer: Tristate) -> None:
    assert _role("roles/editor").grants(permission) is answer


@pytest.mark.parametrize(
    ("permission", "answer"),
    [
        ("storage.objects.get", NO),
        ("secretmanager.versions.access", NO),
        ("bigquery.tables.getData", NO),
        ("resourcemanager.projects.setIamPolicy", NO),
        ("compute.instances.create", NO),
        ("iam.serviceAccounts.actAs", NO),
        ("artifactregistry.repositories.downloadArtifacts", YES),
        ("compute.instances.list", MAYBE),
        ("resourcemanager.projects.getIamPolicy", MAYBE),
    ],
)
def test_viewer(permission: str, answer: Tristate) -> None:
    assert _role("roles/viewer").grants(permission) is answer


def test_basic_roles_are_marked_approximate() -> None:
    for name in ("roles/owner", "roles/editor", "roles/viewer"):
        role = _role(name)
        assert not role.complete
        assert role.note
    assert _role("roles/owner").patterns == ("*",)
    assert _role("roles/editor").approximate == ("*",)


@pytest.mark.parametrize(
    ("role", "query", "answer"),
    [
        ("roles/storage.objectViewer", "storage.objects.*", YES),
        ("roles/storage.objectViewer", "storage.*.get", YES),
        ("roles/storage.objectViewer", "compute.*", NO),
        ("roles/owner", "storage.*", YES),
        ("roles/owner", "storage.objects.*", NO),
        ("roles/owner", "*", YES),
        ("roles/editor", "*.setIamPolicy", NO),
        ("roles/editor", "pubsub.*", MAYBE),
        ("roles/editor", "iam.serviceAccounts.*", YES),
        ("roles/aiplatform.admin", "aiplatform.*.predict", YES),
        ("roles/iam.securityAdmin", "*.setIamPolicy", YES),
        ("roles/viewer", "*.setIamPolicy", NO),
        ("roles/iam.securityReviewer", "container.*.list", YES),
        ("roles/iam.securityReviewer", "pubsub.*", YES),
        ("roles/iam.securityReviewer", "spanner.*", MAYBE),
    ],
)
def test_wildcard_query_asks_for_some_matching_permission(
    role: str, query: str, answer: Tristate
) -> None:
    assert _role(role).grants(query) is answer


def test_matching_lists_exact_permissions_as_evidence() -> None:
    role = _role("roles/iam.serviceAccountTokenCreator")
    assert role.matching("iam.serviceAccounts.sign*") == (
        "iam.serviceAccounts.signBlob",
        "iam.serviceAccounts.signJwt",
    )
    assert role.matching("storage.*") == ()
    assert _role("roles/storage.objectViewer").matching("*") == tuple(
        sorted(_role("roles/storage.objectViewer").permissions)
    )


def test_unknown_and_custom_roles_are_not_resolved() -> None:
    assert predefined_role("roles/aiplatform.doesNotExist") is None
    assert predefined_role("projects/p/roles/trainer") is None
    assert predefined_role("organizations/123/roles/auditor") is None
    # the newer basic roles are not in the catalog: unresolved, never "grants nothing"
    assert predefined_role("roles/admin") is None
    assert predefined_role("owner") is None
    assert predefined_role("") is None


def test_lookups_are_cached() -> None:
    assert predefined_role("roles/viewer") is predefined_role("roles/viewer")
    assert load_role_catalog() is load_role_catalog()


def test_custom_role_definition() -> None:
    role = RoleDefinition(
        name="projects/p/roles/trainer",
        title="Trainer",
        permissions=frozenset({"aiplatform.customJobs.create", "storage.objects.get"}),
        source="google_project_iam_custom_role.trainer",
        custom=True,
    )
    assert role.grants("storage.objects.get") is YES
    assert role.grants("storage.objects.create") is NO
    assert role.grants("aiplatform.*") is YES
    assert role.complete
    assert role.as_json() == {
        "name": "projects/p/roles/trainer",
        "title": "Trainer",
        "permissions": ["aiplatform.customJobs.create", "storage.objects.get"],
        "patterns": [],
        "approximate": [],
        "excluded": [],
        "source": "google_project_iam_custom_role.trainer",
        "complete": True,
        "custom": True,
    }


def test_excluded_wins_over_listed_permissions_and_patterns() -> None:
    role = RoleDefinition(
        name="projects/p/roles/x",
        title="X",
        permissions=frozenset({"a.b.c"}),
        patterns=("a.*",),
        excluded=("a.b.*",),
    )
    assert role.grants("a.b.c") is NO
    assert role.grants("a.d.e") is YES
    assert role.matching("a.*") == ()


def test_as_json_of_a_predefined_role() -> None:
    out = _role("roles/owner").as_json()
    assert out["name"] == "roles/owner"
    assert out["patterns"] == ["*"]
    assert out["complete"] is False and out["custom"] is False
    assert "getAccessToken" in out["note"]
    assert out["permissions"] == sorted(out["permissions"])


@pytest.mark.parametrize(
    ("pattern", "permission", "matches"),
    [
        ("*", "storage.objects.get", True),
        ("storage.objects.*", "storage.objects.get", True),
        ("storage.objects.*", "storage.objectsX.get", False),
        ("storage.*", "storage.objects.get", True),
        ("*.setIamPolicy", "resourcemanager.projects.setIamPolicy", True),
        ("*.setIamPolicy", "resourcemanager.projects.getIamPolicy", False),
        ("storage.objects.get", "storage.objects.get", True),
        ("storage.objects.get", "storage.objects.getIamPolicy", False),
        # case-sensitive, like Google's names; regular expression characters are literal
        ("iam.serviceAccounts.actAs", "iam.serviceaccounts.actas", False),
        ("storage.objects.g?t", "storage.objects.get", False),
        ("storage.objects.[gs]et", "storage.objects.get", False),
    ],
)
def test_permission_matches(pattern: str, permission: str, matches: bool) -> None:
    assert permission_matches(pattern, permission) is matches


def test_roles_granting() -> None:
    assert roles_granting("iam.serviceAccounts.getAccessToken") == {
        "roles/iam.serviceAccountTokenCreator": YES,
        "roles/iam.workloadIdentityUser": YES,
    }
    assert roles_granting("pubsub.topics.publish", ["roles/editor", "roles/viewer", "x"]) == {
        "roles/editor": MAYBE
    }


# --- the data file ---------------------------------------------------------------------------


def test_catalog_version_names_the_date() -> None:
    version = catalog_version()
    assert version.startswith("2026-11-26 (")
    assert f"({len(catalog_roles())} roles;" in version
    assert data_versions()["gcp-predefined-roles"] == version


def test_every_required_role_is_present() -> None:
    missing = [name for name in REQUIRED_ROLES if f"roles/{name}" not in catalog_roles()]
    assert missing == []


def test_catalog_roles_are_sorted() -> None:
    names = catalog_roles()
    assert list(names) == sorted(names)
    assert len(names) >= len(REQUIRED_ROLES)


def test_file_records_source_date_and_note() -> None:
    data = _data()
    assert data["source"] == "https://cloud.google.com/iam/docs/roles-permissions"
    assert data["retrieved"] == "2026-11-26"
    assert "not exhaustive" in data["note"] and "unresolved" in data["note"]
    assert "Maybe" in data["note"]


def test_file_is_pretty_printed_with_sorted_keys() -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_every_role_entry_is_well_formed() -> None:
    problems: list[str] = []
    for name, entry in _data()["roles"].items():
        if not re.fullmatch(r"roles/[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)*", name):
            problems.append(f"{name}: not a predefined role name")
        if set(entry) - {"note"} != {
            "title",
            "source",
            "permissions",
            "patterns",
            "approximate",
            "excluded",
            "complete",
        }:
            problems.append(f"{name}: unexpected fields {sorted(entry)}")
        if not entry["title"]:
            problems.append(f"{name}: no title")
        if not entry["source"].startswith("https://cloud.google.com/iam/docs/"):
            problems.append(f"{name}: source {entry['source']}")
        for field in ("permissions", "patterns", "approximate", "excluded"):
            values = entry[field]
            if values != sorted(values) or len(values) != len(set(values)):
                problems.append(f"{name}: {field} not sorted or has duplicates")
        for permission in entry["permissions"]:
            dots_ok = "/" in permission or permission.count(".") == 2
            if not PERMISSION.match(permission) or not dots_ok:
                problems.append(f"{name}: malformed permission {permission}")
            if any(permission_matches(entry_, permission) for entry_ in entry["excluded"]):
                problems.append(f"{name}: {permission} is listed and excluded")
        if "*" in "".join(entry["permissions"]):
            problems.append(f"{name}: wildcard among exact permissions")
        if entry["approximate"] and entry["complete"]:
            problems.append(f"{name}: approximate entries in a complete role")
        if not entry["permissions"] and not entry["patterns"]:
            problems.append(f"{name}: grants nothing")
    assert problems == []


def test_predefined_roles_are_per_service_pages_except_basic_roles() -> None:
    for name in catalog_roles():
        source = _role(name).source
        if name in {"roles/owner", "roles/editor", "roles/viewer"}:
            assert source == "https://cloud.google.com/iam/docs/roles-overview#legacy-basic"
        else:
            assert source.startswith("https://cloud.google.com/iam/docs/roles-permissions/")


def test_loading_is_fast() -> None:
    load_role_catalog.cache_clear()
    start = time.perf_counter()
    load_role_catalog()
    assert time.perf_counter() - start < 0.05


def test_malformed_catalog_is_a_packaging_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class _Resource:
        def __init__(self, text: str) -> None:
            self.text = text

        def joinpath(self, _path: str) -> _Resource:
            return self

        def read_bytes(self) -> bytes:
            return self.text.encode()

    for text in (
        "not json",
        "[]",
        '{"source": "x", "retrieved": "y", "note": "z"}',
        '{"source": "x", "retrieved": "y", "note": "z", "roles": {"roles/a.b": 1}}',
    ):
        monkeypatch.setattr(catalog_data, "files", lambda _package, t=text: _Resource(t))
        load_role_catalog.cache_clear()
        with pytest.raises(RoleCatalogError):
            load_role_catalog()
    monkeypatch.undo()
    load_role_catalog.cache_clear()
    assert predefined_role("roles/viewer") is not None
