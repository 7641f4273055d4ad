"""Keeping secrets out of everything iacguard prints.

Two layers:

* :func:`mask_credentials` masks, at load time, values that look like credentials even when
  nothing marked them sensitive (a literal token in a ``user_data`` script, a key in a tag).
* :func:`redact_text` scrubs free text (messages from external tools, exception text) of
  credential-looking substrings and of the values of token environment variables.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from iacguard.model.values import Sensitive

# Credential formats with a recognisable shape. Each pattern is specific enough that a match
# in an infrastructure attribute is far more likely a credential than anything else.
_CREDENTIAL_PATTERNS: dict[str, str] = {
    "aws-access-key-id": r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])",
    "private-key": r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
    "github-token": r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})",
    "gitlab-token": r"\bglpat-[A-Za-z0-9_\-]{20,}",
    "slack-token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    "openai-key": r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{32,}",
    "anthropic-key": r"\bsk-ant-[A-Za-z0-9_\-]{32,}",
    "google-api-key": r"\bAIza[0-9A-Za-z_\-]{35}",
    "gcp-service-account-key": r"\"private_key_id\"\s*:\s*\"[0-9a-f]{40}\"",
    "azure-storage-key": r"AccountKey=[A-Za-z0-9+/=]{40,}",
    "jwt": r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
    "huggingface-token": r"\bhf_[A-Za-z0-9]{30,}",
}
_CREDENTIAL_RE = re.compile(
    "|".join(f"(?P<{k.replace('-', '_')}>{v})" for k, v in _CREDENTIAL_PATTERNS.items())
)

# Attribute names whose string values are secrets whatever they look like. Matched against the
# whole attribute name, never a substring (``kms_key_id`` and ``secret_arn`` are not secrets).
_SECRET_ATTRIBUTE_RE = re.compile(
    r"^(?:.*_)?(?:password|passwd|passphrase|secret|secret_string|secret_binary|client_secret|"
    r"token|access_token|refresh_token|auth_token|api_key|apikey|private_key|private_key_pem|"
    r"primary_access_key|secondary_access_key|primary_key|secondary_key|connection_string|"
    r"primary_connection_string|secondary_connection_string|sas_token|ses_smtp_password_v4|"
    r"master_password|admin_password|credentials)$"
)
# A quick pre-filter over a resource's serialised attributes: substrings every match of the
# credential patterns or of a secret-named key contains. ``in`` on a string is far cheaper than
# a regular expression, and most resources contain none of them, so most trees are never walked.
_QUICK_LITERALS = (
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "PRIVATE KEY",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "sk-",
    "AIza",
    "private_key",
    "AccountKey=",
    "eyJ",
    "hf_",
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "api_key",
    "apikey",
    "primary_key",
    "secondary_key",
    "access_key",
    "connection_string",
    "credentials",
)

_TOKEN_ENV_RE = re.compile(r"(?:TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE_KEY)", re.IGNORECASE)


#: Environment variable names of well-known credentials that the attribute pattern misses.
_SECRET_ENV_NAMES = {
    "aws_secret_access_key", "aws_session_token", "azure_client_secret",
    "google_application_credentials_json", "github_token", "gitlab_token",
}  # fmt: skip


def is_secret_name(name: str) -> bool:
    """Whether a name (an attribute, an environment variable, any case) says its value is a
    secret: ``DB_PASSWORD``, ``OPENAI_API_KEY``, ``AWS_SECRET_ACCESS_KEY``."""
    lowered = name.lower()
    return bool(_SECRET_ATTRIBUTE_RE.match(lowered)) or lowered in _SECRET_ENV_NAMES


def credential_kind(text: str) -> str | None:
    """Return the kind of credential ``text`` contains (``github-token``...), or ``None``."""
    match = _CREDENTIAL_RE.search(text)
    if match is None or match.lastgroup is None:
        return None
    return match.lastgroup.replace("_", "-")


def mask_credentials(tree: Any) -> Any:
    """Return ``tree`` with credential-looking strings replaced by :class:`Sensitive`.

    The tree is first serialised and searched once; only a tree with a possible hit is walked.
    Non-empty strings under secret-named keys are masked whatever their shape.
    """
    if tree is None or isinstance(tree, bool | int | float):
        return tree
    try:
        text = json.dumps(
            tree, separators=(",", ":"), ensure_ascii=False, check_circular=False, default=repr
        )
    except (TypeError, ValueError):  # pragma: no cover - trees are JSON values
        text = ""
    if text and not any(literal in text for literal in _QUICK_LITERALS):
        return tree
    return _mask_walk(tree, None)


def _mask_walk(node: Any, key: str | None) -> Any:
    if isinstance(node, str):
        if node and key is not None and _SECRET_ATTRIBUTE_RE.match(key):
            return Sensitive("secret-named attribute")
        kind = credential_kind(node)
        return Sensitive(f"looks like a credential ({kind})") if kind else node
    if isinstance(node, dict):
        return {k: _mask_walk(v, k if isinstance(k, str) else None) for k, v in node.items()}
    if isinstance(node, list):
        return [_mask_walk(item, key) for item in node]
    return node


def _environment_secrets() -> list[str]:
    values = []
    for name, value in os.environ.items():
        if _TOKEN_ENV_RE.search(name) and len(value) >= 8:
            values.append(value)
    return sorted(values, key=len, reverse=True)


def redact_text(text: str) -> str:
    """Return ``text`` with credentials and token environment variable values replaced.

    Used on anything iacguard prints that it did not write itself (messages of ``terraform``,
    ``helm``, forge API errors).
    """
    for value in _environment_secrets():
        text = text.replace(value, "(redacted)")
    return _CREDENTIAL_RE.sub("(redacted)", text)
