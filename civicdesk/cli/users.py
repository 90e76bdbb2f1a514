"""`civicdesk user add|list|role`: accounts for the app when it is served beyond localhost."""
from __future__ import annotations

import sys
from typing import Optional

import typer

from civicdesk.cli.common import DB_OPTION, open_store

app = typer.Typer(no_args_is_help=True, help="Accounts: add users, list them, change roles.")


def _fail(exc: Exception) -> None:
    typer.secho(str(exc), fg="red", err=True)
    raise typer.Exit(1) from None


@app.command("add")
def add(name: str = typer.Argument(..., help="Sign-in name."),
        role: str = typer.Option(..., "--role", help="viewer, leader, analyst or admin."),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
        db: Optional[str] = DB_OPTION):
    """Create an account; the password is asked for twice (or read from stdin for scripts)."""
    from civicdesk.accounts import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password / 密码", hide_input=True, confirmation_prompt=True)
    try:
        add_user(open_store(db), name, role, password)
    except (ValueError, PermissionError) as exc:
        _fail(exc)
    typer.echo(f"Added {name} ({role}).")


@app.command("list")
def list_(db: Optional[str] = DB_OPTION):
    """Accounts and their roles (never their password hashes)."""
    from civicdesk.accounts import list_users

    frame = list_users(open_store(db))
    typer.echo("no accounts yet" if frame.empty else frame.to_string(index=False))


@app.command("role")
def role(name: str = typer.Argument(...), new_role: str = typer.Argument(..., help="viewer, leader, analyst or admin."),
         db: Optional[str] = DB_OPTION):
    """Change an account's role."""
    from civicdesk.accounts import set_role

    try:
        set_role(open_store(db), name, new_role)
    except (ValueError, PermissionError) as exc:
        _fail(exc)
    typer.echo(f"{name} is now {new_role}.")
