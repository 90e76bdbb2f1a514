"""Accounts in the store: salted, slow password hashes (Argon2id), lock-out after repeated failures,
sign-in sessions that expire, and the audit log of who changed what.

Only a hash of each session token is stored, so a copy of the database cannot be used to sign in.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from civicdesk.access import ROLES, User, current_user, require
from civicdesk.store.schema import audit_log, user_sessions, users

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 8
MIN_PASSWORD = 8
_hasher = PasswordHasher()


class SignInError(ValueError):
    """Sign-in refused: wrong name or password, a locked account, or an expired session."""


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters / 密码至少{MIN_PASSWORD}位")


def add_user(engine: Engine, name: str, role: str, password: str) -> None:
    """Create an account (admins only, or the machine's own user)."""
    require("manage_users")
    name = name.strip()
    if not name:
        raise ValueError("a user needs a name")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    _check_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.user_id).where(users.c.name == name)).first():
            raise ValueError(f"there is already a user called {name}")
        conn.execute(users.insert().values(name=name, role=role, password_hash=_hasher.hash(password),
                                           failed_attempts=0, created_at=_now()))
        record(conn, "add_user", name, {"role": role})


def set_role(engine: Engine, name: str, role: str) -> None:
    """Change an account's role (admins only)."""
    require("manage_users")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    with engine.begin() as conn:
        if not conn.execute(users.update().where(users.c.name == name).values(role=role)).rowcount:
            raise ValueError(f"there is no user called {name}")
        record(conn, "set_role", name, {"role": role})


def list_users(engine: Engine) -> pd.DataFrame:
    """Accounts without their hashes: name, role, created_at, locked_until."""
    require("manage_users")
    query = sa.select(users.c.name, users.c.role, users.c.created_at, users.c.locked_until).order_by(users.c.name)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=["name", "role", "created_at", "locked_until"])


def _fail(conn, row, now: datetime) -> None:
    # Counted in the database (not row.failed_attempts + 1): parallel wrong guesses must each count.
    this_user = users.c.user_id == row.user_id
    failures = conn.execute(users.update().where(this_user).values(failed_attempts=users.c.failed_attempts + 1)
                            .returning(users.c.failed_attempts)).scalar_one()
    locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
    if locked:
        conn.execute(users.update().where(this_user).values(failed_attempts=0, locked_until=locked))
    record(conn, "sign_in_failed", row.name, {"locked": locked is not None}, actor=row.name)


def sign_in(engine: Engine, name: str, password: str) -> tuple[User, str]:
    """Check a password and open a session: (user, session token). Raises SignInError with one sentence.

    A failure is counted (and, at the fifth, the account locked) in its own committed transaction.
    """
    now = _now()
    refused = None
    with engine.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name.strip())).first()
        if row is None:
            _hasher.hash(password)  # as slow as a real check, so names cannot be probed by timing
            refused = "wrong user name or password / 用户名或密码错误"
        elif row.locked_until is not None and row.locked_until > now:
            refused = (f"too many failed attempts: the account is locked until {row.locked_until:%H:%M} / "
                       f"连续输错次数过多，账户锁定至{row.locked_until:%H:%M}")
        elif not _verify(row.password_hash, password):
            _fail(conn, row, now)
            refused = "wrong user name or password / 用户名或密码错误"
        else:
            conn.execute(users.update().where(users.c.user_id == row.user_id).values(failed_attempts=0,
                                                                                   locked_until=None))
            token = secrets.token_urlsafe(32)
            conn.execute(user_sessions.insert().values(token_hash=_digest(token), user_id=row.user_id, created_at=now,
                                                       expires_at=now + timedelta(hours=SESSION_HOURS)))
            record(conn, "sign_in", row.name, {}, actor=row.name)
    if refused:
        raise SignInError(refused)
    return User(row.name, row.role), token


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_user(engine: Engine, token: str | None) -> User | None:
    """The user of a live session token, or None (unknown or expired: sign in again)."""
    if not token:
        return None
    query = (sa.select(users.c.name, users.c.role, user_sessions.c.expires_at)
             .select_from(user_sessions.join(users, users.c.user_id == user_sessions.c.user_id))
             .where(user_sessions.c.token_hash == _digest(token)))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None or row.expires_at <= _now():
        return None
    return User(row.name, row.role)


def sign_out(engine: Engine, token: str) -> None:
    """End a session."""
    with engine.begin() as conn:
        conn.execute(user_sessions.delete().where(user_sessions.c.token_hash == _digest(token)))


def record(conn, action: str, target: str, detail: dict | None = None, actor: str | None = None) -> None:
    """Write one audit entry inside the caller's transaction (so it is kept only if the change is)."""
    conn.execute(audit_log.insert().values(at=_now(), actor=actor or current_user().name, action=action,
                                           target=str(target)[:500], detail=json.dumps(detail or {}, ensure_ascii=False)))


def audit(engine: Engine, action: str, target: str, detail: dict | None = None, actor: str | None = None) -> None:
    """Write one audit entry in its own transaction (for actions that change nothing else, e.g. an export).

    Args:
        actor: who did it, when not the acting user (e.g. a Streamlit callback, which runs outside the page).
    """
    with engine.begin() as conn:
        record(conn, action, target, detail, actor=actor)


def audit_entries(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """The latest audit entries (admins only): at, actor, action, target, detail."""
    require("read_audit")
    query = sa.select(audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.target,
                      audit_log.c.detail).order_by(audit_log.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=["at", "actor", "action", "target", "detail"])
