"""qaflow flows: one module per pipeline (bdd, mockdata, rag), the `qaflow` CLI (flows.cli)
and the plumbing around them (the Prefect API, the local server, the warm runner).

Nothing is imported here: `qaflow` runs flows.warm_client first, and importing this
package must cost nothing and change nothing (the CLI entry applies the process-wide
defaults, see flows/cli/__init__.py).
"""

__all__: list[str] = []
