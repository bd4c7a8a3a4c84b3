"""`qaflow blocks register|init|show`."""

from __future__ import annotations

import subprocess
import sys

import typer

from flows.cli import common

app = typer.Typer(help="Register, initialise and show qaflow's Prefect blocks.", no_args_is_help=True)


@app.command()
def register(as_json: bool = common.JsonOption) -> None:
    """Register the block types with the Prefect API (`prefect block register -m blocks`)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from flows.prefect_api import start_api

        start_api()
        proc = subprocess.run(
            [sys.executable, "-m", "prefect", "block", "register", "-m", "blocks"],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise common.UserError(f"prefect block register failed: {proc.stderr.strip() or proc.stdout.strip()}")
        from blocks import BLOCK_TYPES

        common.console().print(proc.stdout.strip(), highlight=False, markup=False)
        common.emit({"registered": [b.get_block_type_slug() for b in BLOCK_TYPES]}, as_json,
                    render=lambda r: None)


@app.command()
def init(
    name: str = typer.Option("default", help="Name to save the blocks under."),
    overwrite: bool = typer.Option(False, help="Replace blocks that are already saved."),
    as_json: bool = common.JsonOption,
) -> None:
    """Save each block with working offline defaults (environment variables applied)."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from flows.prefect_api import start_api

        start_api()
        from blocks import BLOCK_TYPES

        saved, kept = [], []
        for block_type in BLOCK_TYPES:
            try:
                block_type.load(name)
                exists = True
            except ValueError:
                exists = False
            if exists and not overwrite:
                kept.append(block_type.get_block_type_slug())
                continue
            block_type.from_env().save(name, overwrite=True)
            saved.append(block_type.get_block_type_slug())
        common.emit({"name": name, "saved": saved, "kept": kept}, as_json)


@app.command()
def show(
    name: str = typer.Option("default", help="Block name to show."),
    as_json: bool = common.JsonOption,
) -> None:
    """Show the settings each block resolves to (saved block, else defaults); secrets masked."""
    common.use_json(as_json)
    with common.errors_as_lines():
        from flows.prefect_api import start_api

        start_api()
        from blocks import BLOCK_TYPES

        result = {}
        for block_type in BLOCK_TYPES:
            try:
                block = block_type.load(name)
                source = "saved"
            except ValueError:
                block = block_type.from_env()
                source = "defaults"
            data = block.model_dump(mode="json")  # SecretStr dumps as '**********'
            data.pop("block_type_slug", None)
            result[block_type.get_block_type_slug()] = {"source": source, **data}
        common.emit(result, as_json)
