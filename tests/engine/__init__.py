"""Tests of the checks engine: discovery, plugins, configuration, suppressions and the gate."""
