"""Which Kubernetes kinds are cluster-scoped (they have no namespace).

Built-in kinds from the Kubernetes API reference, and cluster-scoped custom resources common in
AI platforms. A custom kind not listed is taken as namespaced, as most are.
"""

from __future__ import annotations

#: (API group, kind) of cluster-scoped kinds; group "" is the core group.
CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("gateway.networking.k8s.io", "GatewayClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("policy", "PodSecurityPolicy"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("cert-manager.io", "ClusterIssuer"),
        ("security.openshift.io", "SecurityContextConstraints"),
        ("config.openshift.io", "ClusterOperator"),
        ("nvidia.com", "ClusterPolicy"),
        ("kueue.x-k8s.io", "ClusterQueue"),
        ("kueue.x-k8s.io", "ResourceFlavor"),
        ("scheduling.volcano.sh", "Queue"),
        ("serving.kserve.io", "ClusterServingRuntime"),
        ("serving.kserve.io", "ClusterStorageContainer"),
        ("kubeflow.org", "Profile"),
    }
)


def api_group(api_version: str) -> str:
    """The API group of an ``apiVersion`` (``apps/v1`` → ``apps``, ``v1`` → ``""``)."""
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def is_cluster_scoped(kind: str, api_version: str) -> bool:
    """Whether objects of this kind live outside namespaces."""
    return (api_group(api_version), kind) in CLUSTER_SCOPED
