"""The checks engine: discovery of checks, the context they run in, and running them."""

from iacguard.engine.check import Check, check
from iacguard.engine.context import CheckContext, ScanIndex
from iacguard.engine.discovery import PluginError, discover_checks
from iacguard.engine.runner import CheckError, EngineResult, run_checks, select_checks

__all__ = [
    "Check",
    "CheckContext",
    "CheckError",
    "EngineResult",
    "PluginError",
    "ScanIndex",
    "check",
    "discover_checks",
    "run_checks",
    "select_checks",
]
