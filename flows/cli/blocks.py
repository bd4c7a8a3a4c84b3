"""`qaflow blocks register|init|show`."""

from __future__ import annotations

import os
import subprocess
import sys

import typer

from flows.cli import common

# examples/demo_api/app.py DEFAULT_TOKEN (examples/ is part of the checkout, not of the
# installed package, so it is not imported from here).
DEMO_API_DEFAULT_TOKEN = "demo-token"

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
        from blocks import REGISTERED_TYPES

        common.console().print(proc.stdout.strip(), highlight=False, markup=False)
        common.emit({"registered": [b.get_block_type_slug() for b in REGISTERED_TYPES]}, as_json,
                    render=lambda r: None)


DEMO_PROFILE = "default"


def initial_block(block_type: type) -> object:
    """The block `init` saves: the type's environment defaults, and for the TargetAPI with
    no QAFLOW_TARGET_BASE_URL, the bundled demo API (`python -m examples.demo_api`) with a
    `default` bearer profile holding its token (DEMO_API_TOKEN, else the demo's own) as a
    secret, so that `bdd-run` started from the UI passes with its default parameters."""
    from pydantic import SecretStr

    from blocks.target_api import AuthProfile, TargetAPI
    from tasks.settings import settings

    block = block_type.from_env()
    if isinstance(block, TargetAPI) and not settings().target_base_url and not block.auth_profiles:
        token = os.environ.get("DEMO_API_TOKEN") or DEMO_API_DEFAULT_TOKEN
        block.auth_profiles[DEMO_PROFILE] = AuthProfile(kind="bearer", token=SecretStr(token))
    return block


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
            initial_block(block_type).save(name, overwrite=True)
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
