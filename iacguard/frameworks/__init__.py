"""The frameworks findings are mapped to: their controls, crosswalks and legacy ids.

The catalog ships inside the package (``catalog.yaml``) and is read once per process by
:func:`load_catalog`. Checks declare framework references that
:meth:`Catalog.validate_references` checks and normalises when the check is loaded; users look
references up with :meth:`Catalog.resolve`, which also explains legacy ids such as NIST CSF
1.1's ``PR.AC-4``.
"""

from iacguard.frameworks.catalog import Catalog, load_catalog
from iacguard.frameworks.model import Control, Framework, FrameworkError, Resolution

__all__ = [
    "Catalog",
    "Control",
    "Framework",
    "FrameworkError",
    "Resolution",
    "load_catalog",
]
