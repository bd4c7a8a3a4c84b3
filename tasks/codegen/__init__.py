"""Codegen: each column bound to a generator, then one standalone module per table.

    mapping.py       map_schema: name rules, then one LLM call for the columns they only guessed
    plan.py          the Plan the mapping returns and the template renders
    render.py        Plan -> `<table>_generator.py` (templates/generator.py.j2), checked before written
    runtime_code.py  which definitions of tasks/generator_runtime a rendered module carries
    literals.py      the encoders: schema names and values reach a module only as repr'd literals
    paths.py         where a run's modules and table folders go under the output folder
    standalone.py    `qaflow mockdata codegen`: modules without a run
    providers.py     the generator catalogue as rows (`qaflow mockdata providers`)
    steps.py         the thin Prefect tasks (map-columns, render-generators)

It chooses from the catalogue of tasks/generators and renders from the code of
tasks/generator_runtime; neither imports it. Importing the package defines names only.
"""

__all__ = ["literals", "mapping", "paths", "plan", "providers", "render", "runtime_code", "standalone", "steps"]
