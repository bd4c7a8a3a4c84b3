"""`python -m examples.demo_api --port N`: serve the demo API on 127.0.0.1."""

from __future__ import annotations

import argparse

import uvicorn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.demo_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--token", default=None, help="bearer token (default: $DEMO_API_TOKEN or demo-token)")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)

    from examples.demo_api.app import create_app

    uvicorn.run(
        create_app(args.token),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        timeout_keep_alive=30,
    )


if __name__ == "__main__":
    main()
