"""A checks file that fails while it is imported."""

raise RuntimeError("team owner table is missing")
