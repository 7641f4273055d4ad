"""Report templates of iacguard, installed as ``iacguard.templates`` (read with importlib)."""
