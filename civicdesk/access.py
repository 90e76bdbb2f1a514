"""Who may do what: roles, the acting user, and the checks the library's writing functions make.

Roles are ordered; each can do what the ones before it can:

- ``viewer`` reads dashboards and briefings (and exports briefings);
- ``leader`` also creates, saves and deletes scenarios;
- ``analyst`` also imports data, fits and stores models (forecast runs, calibrations);
- ``admin`` also manages accounts and reads the audit log.

The app sets the signed-in user for each page run with `acting_as(user)`; library functions that change the
store call `require(action)` before they do. A process where nobody has signed in (the command line, a
notebook, the single-user app on localhost) acts as the machine's own user with every right: whoever can run
Python on the machine can open the database file anyway.
"""
from __future__ import annotations

import contextvars
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

ROLES = ("viewer", "leader", "analyst", "admin")
#: The least role each action needs.
ACTIONS: dict[str, str] = {
    "read": "viewer",
    "export_briefing": "viewer",
    "save_scenario": "leader",
    "delete_scenario": "leader",
    "import": "analyst",
    "fit_model": "analyst",
    "manage_users": "admin",
    "read_audit": "admin",
}


class AccessDenied(PermissionError):
    """The acting user's role does not allow the action."""


@dataclass(frozen=True)
class User:
    """A signed-in user (or the machine's own user when nobody signed in)."""

    name: str
    role: str
    local: bool = False

    def can(self, action: str) -> bool:
        """Whether this user's role allows ``action`` (see ACTIONS)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
        return ROLES.index(self.role) >= ROLES.index(ACTIONS[action])


_current: contextvars.ContextVar[User | None] = contextvars.ContextVar("civicdesk_user", default=None)


def local_user() -> User:
    """The machine's own user (every right), for the CLI, notebooks and the localhost app."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        name = "local"
    return User(f"local:{name}", "admin", local=True)


def current_user() -> User:
    """The user the code is acting for."""
    return _current.get() or local_user()


@contextmanager
def acting_as(user: User) -> Iterator[User]:
    """Act for ``user`` inside the block (per thread and task, so app sessions never mix)."""
    if user.role not in ROLES:
        raise ValueError(f"unknown role {user.role!r}; roles are {', '.join(ROLES)}")
    token = _current.set(user)
    try:
        yield user
    finally:
        _current.reset(token)


def require(action: str) -> User:
    """The acting user, if their role allows ``action``; raises AccessDenied with a readable sentence if not."""
    user = current_user()
    if not user.can(action):
        raise AccessDenied(f"{user.name} ({user.role}) may not {action.replace('_', ' ')}: it needs the role "
                           f"{ACTIONS[action]} or higher / 权限不足：该操作需要“{ACTIONS[action]}”及以上角色")
    return user
