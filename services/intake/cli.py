"""`flask --app services.intake token create|revoke`: staff tokens for contacts and systems;
`flask --app services.intake contact deactivate EMAIL`: withdraw a contact's access."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from shared.db import unit_of_work
from shared.models import utcnow

from .tokens import (
    PARTIES,
    InactiveContact,
    UnknownContact,
    create_token,
    deactivate_contact,
    revoke,
)


def init_app(app: Flask) -> None:
    app.cli.add_command(token)
    app.cli.add_command(contact)


@click.group(cls=AppGroup, help="Bearer tokens for the staff API.")
def token() -> None:
    pass


@token.command("create")
@click.option("--contact", "contact_email", help="E-mail of a contact in the directory.")
@click.option("--system", help="Name of a system that calls the API (instead of --contact).")
@click.option("--party", type=click.Choice(PARTIES), default="system", show_default=True,
              help="The party a --system token acts for.")
def create(contact_email: str | None, system: str | None, party: str) -> None:
    """Print a new token; it is shown once and stored only as a hash."""
    if bool(contact_email) == bool(system):
        raise click.UsageError("give exactly one of --contact or --system")
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            secret, row = create_token(
                session, now=utcnow(), contact_email=contact_email, system=system, party=party
            )
            session.flush()
            token_id, name, party = row.id, row.name, row.party
    except UnknownContact:
        raise click.ClickException(f"ingen kontakt med e-post {contact_email}") from None
    except InactiveContact:
        raise click.ClickException(f"kontakten {contact_email} er deaktivert") from None
    click.echo(secret)
    click.echo(f"token {token_id} for {name} ({party})", err=True)


@token.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke a token by its id."""
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        if not revoke(session, token_id, utcnow()):
            raise click.ClickException(f"fant ikke et aktivt token med id {token_id}")
    click.echo(f"token {token_id} er trukket tilbake")


@click.group(cls=AppGroup, help="Contacts in the directory.")
def contact() -> None:
    pass


@contact.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Withdraw a contact's access: their API tokens and e-mail action links stop working."""
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            revoked = deactivate_contact(session, email, utcnow())
    except UnknownContact:
        raise click.ClickException(f"ingen kontakt med e-post {email}") from None
    click.echo(f"{email.lower()} er deaktivert; {revoked} token trukket tilbake, "
               "og lenkene i e-post virker ikke lenger")
