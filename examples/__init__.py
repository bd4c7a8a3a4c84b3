"""Bundled examples for the demo and the tests (run from the repository root)."""
