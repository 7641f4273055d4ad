"""iacguard: effective permissions and attack paths of the non-human identities in AI stacks.

iacguard reads what is about to be deployed (``terraform show -json`` plans today; Helm charts,
Kubernetes manifests and Terraform HCL in later versions) and answers who can do what to which
resource, before ``terraform apply``. See ``docs/architecture.md`` for the flow of data.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iacguard")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
