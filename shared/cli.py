"""Operator commands: `python -m shared.cli migrate | load-demo | setup`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from .db import make_engine, make_sessionmaker, unit_of_work
from .demo import MORE_AGREEMENTS, load_demo
from .settings import PROJECT_ROOT, Settings


def alembic_config(settings: Settings) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = settings.database_url
    return config


def migrate(settings: Settings) -> None:
    command.upgrade(alembic_config(settings), "head")


def load_demo_data(settings: Settings, directory: Path | None = None) -> str:
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            result = load_demo(session, directory)
    finally:
        engine.dispose()
    return (
        f"borettslag: {result.cooperatives_added} nye, {result.cooperatives_updated} oppdatert; "
        f"kontakter: {result.contacts_added} nye, {result.contacts_updated} oppdatert"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    demo = sub.add_parser("load-demo", help="load the demo borettslag and contacts")
    demo.add_argument("--directory", type=Path, default=None)
    sub.add_parser("setup", help="migrate, then load the demo data")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command in {"migrate", "setup"}:
        migrate(settings)
        print("database migrated")
    if args.command in {"load-demo", "setup"}:
        print(load_demo_data(settings, getattr(args, "directory", None)))
    if args.command == "setup":
        # The demo's further agreements (SPEC §8), after the one-agreement directory they extend.
        print(load_demo_data(settings, MORE_AGREEMENTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
