"""The `civicdesk` command: one module per command group, the shared helpers in `common`.

- `store`: demo, info, upgrade, backup, restore, kpi
- `tickets`: import, export, profiles
- `staffing`: the `staffing` group (calibrate, backtest, simulate, plan, …)
- `users`: the `user` group (accounts)
- `briefing`: the weekly briefing
- `reference`: import-reference, template
- `shapes`: the `shapes` group (import street boundaries from GeoJSON)

Each module imports only `civicdesk.cli.common` from this package; this file assembles the command.
"""
from __future__ import annotations

import typer

from civicdesk.cli import briefing, reference, shapes, staffing, store, tickets, users
from civicdesk.cli.store import build_demo
from civicdesk.cli.common import TextParametersGroup

app = typer.Typer(add_completion=False, no_args_is_help=True, cls=TextParametersGroup,
                  help="civicdesk: decision-support workbench for social-governance service centres.")
store.register(app)
tickets.register(app)
app.add_typer(staffing.app, name="staffing")
app.add_typer(users.app, name="user")
app.command("briefing")(briefing.briefing)
reference.register(app)
shapes.register(app)



def main() -> None:
    """The `civicdesk` command: `app` with the cluster's failure said in one red sentence, not a traceback."""
    try:
        app()
    except RuntimeError as exc:
        from civicdesk.parallel import SchedulerError
        if not isinstance(exc, SchedulerError):
            raise
        typer.secho(str(exc), fg="red", err=True)
        raise SystemExit(1) from None


__all__ = ["app", "build_demo", "main"]
