"""Codegen: the generator registry, column mapping and the rendered generator modules."""
