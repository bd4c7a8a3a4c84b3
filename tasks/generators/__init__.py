"""The column generators: every kind of value qaflow can make, keyed by name.

    registry.py   the catalogue (`@generator("family.name", ...)`, `registry()`, `get(name)`)
    rules.py      which generator a column's name and type suggest (the mapping's heuristics)
    person.py, internet.py, address.py, ...   one module per family, as Faker's providers
    regex.py      regular expressions drawn vectorised (text.pattern, learned shapes)

A generator is a vectorised `fn(batch, params) -> pyarrow.Array` built on
tasks/generator_runtime's kernel; tasks/codegen copies its source into the
rendered modules, and tasks/schema reads the catalogue to check and learn
specs. This package imports neither of them. Importing it defines names only:
`registry()` imports the family modules.
"""

__all__ = ["registry", "rules"]
