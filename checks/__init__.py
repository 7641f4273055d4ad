"""Built-in checks of iacguard, installed as ``iacguard.checks``.

Built-in checks register through the ``iacguard.checks`` entry-point group, like third-party
plugins. The checks engine arrives with the next version; this package is its home.
"""
