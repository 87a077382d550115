"""`workbench serve`: the UI and the HTTP API from one process."""

import argparse
import sys
from typing import Any

from api.local_mode import is_loopback
from review.actors import cli_actor
from review.demo import load_demo
from review.settings import SettingsError, get_settings
from storage.engine import create_database_engine, reading
from storage.migrate import upgrade_to_head
from storage.repositories.items import count_items


def register(commands: Any) -> None:
    """Add `serve` to the parser."""
    serve = commands.add_parser("serve", help="serve the review UI and the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--demo", action="store_true", help="set up the database and load demo data")
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Refuse unsafe local mode, prepare the database, then serve until stopped."""
    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"workbench: cannot serve: {error}", file=sys.stderr)
        return 2
    if settings.local_mode and not is_loopback(args.host):
        print(
            f"workbench: refusing to serve {args.host} in local mode (no authentication); "
            "configure [auth] in .streamlit/secrets.toml or serve on 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    if args.demo:
        _prepare_demo_database()
    import uvicorn

    print(f"Serving the workbench on http://{args.host}:{args.port}", flush=True)
    uvicorn.run("api.asgi:app", host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _prepare_demo_database() -> None:
    engine = create_database_engine()
    upgrade_to_head(engine)
    with reading(engine) as session:
        empty = count_items(session=session) == 0
    if empty:
        report = load_demo(engine, cli_actor())
        print(f"loaded demo data: {report.items} items, {report.decisions} decisions", flush=True)
