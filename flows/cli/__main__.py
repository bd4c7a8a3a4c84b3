"""`python -m flows.cli` is the `qaflow` command."""

from flows.cli import main

main()
