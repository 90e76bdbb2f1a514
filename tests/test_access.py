"""Sign-in and roles: each role signs in and tries every action in the library; lock-out, expiry, audit log."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from civicdesk import store
from civicdesk.access import ROLES, AccessDenied, User, acting_as, current_user
from civicdesk.accounts import (MAX_FAILURES, SignInError, add_user, audit_entries, list_users, session_user,
                                set_role, sign_in, sign_out)
from civicdesk.forecast.scenarios import Adjustment, Scenario, delete_scenario, save_scenario
from civicdesk.store.schema import user_sessions, users
from tests.test_ingest_import import cn_rows, write_csv

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(demo_store_url, tmp_path):
    copy = tmp_path / "store.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    e = store.connect(f"sqlite:///{copy}")
    for role in ROLES:
        add_user(e, f"{role}1", role, PASSWORD)  # as the machine's own user, who may manage accounts
    return e


def _import(engine, tmp_path):
    from civicdesk import ingest
    return ingest.import_file(engine, write_csv(tmp_path / "week.csv", cn_rows()))


def _forecast(engine, tmp_path):
    from civicdesk.forecast import SeasonalNaive
    from civicdesk.forecast.runs import make_run
    return make_run(engine, by=(), h=7, n_windows=1, models=[SeasonalNaive()])


ACTIONS = {  # action → (least role, how to try it)
    "read overview": ("viewer", lambda e, p: __import__("civicdesk.overview", fromlist=["x"]).overview(e)),
    "save scenario": ("leader", lambda e, p: save_scenario(e, Scenario("试", (Adjustment("2023-07-01", "2023-07-02",
                                                                                         "multiply", 1.2),)))),
    "delete scenario": ("leader", lambda e, p: delete_scenario(e, "试")),
    "import": ("analyst", _import),
    "store forecast": ("analyst", _forecast),
    "add user": ("admin", lambda e, p: add_user(e, f"new{p.name[-6:]}", "viewer", PASSWORD)),
    "read audit": ("admin", lambda e, p: audit_entries(e)),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_tries_every_action(engine, tmp_path, role):
    user, token = sign_in(engine, f"{role}1", PASSWORD)
    assert session_user(engine, token) == user and user.role == role
    with acting_as(user):
        for action, (least, attempt) in ACTIONS.items():
            allowed = ROLES.index(role) >= ROLES.index(least)
            if allowed:
                attempt(engine, tmp_path)
            else:
                with pytest.raises(AccessDenied, match=f"needs the role {least}"):
                    attempt(engine, tmp_path)
    assert current_user().local  # outside the block the process is the machine's own user again


def test_denied_actions_change_nothing(engine, tmp_path):
    from civicdesk.store.schema import tickets
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()
    with acting_as(User("leader1", "leader")), pytest.raises(AccessDenied):
        _import(engine, tmp_path)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == before


def test_audit_log_records_who_did_what(engine, tmp_path):
    analyst, _ = sign_in(engine, "analyst1", PASSWORD)
    with acting_as(analyst):
        _import(engine, tmp_path)
        save_scenario(engine, Scenario("寒潮", (Adjustment("2023-07-01", "2023-07-03", "multiply", 1.4),)))
        delete_scenario(engine, "寒潮")
    log = audit_entries(engine)
    mine = log[log["actor"] == "analyst1"]
    assert {"import", "save_forecast_scenario", "delete_forecast_scenario", "sign_in"} <= set(mine["action"])
    assert "week.csv" in set(mine["target"]) and "寒潮" in set(mine["target"])
    assert (log["action"] == "add_user").sum() == len(ROLES)


def test_lock_out_after_repeated_failures(engine):
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInError, match="wrong user name or password"):
            sign_in(engine, "viewer1", "not the password")
    with pytest.raises(SignInError, match="locked until"):
        sign_in(engine, "viewer1", PASSWORD)  # even the right password, for a while
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.name == "viewer1").values(locked_until=datetime.now() - timedelta(1)))
    assert sign_in(engine, "viewer1", PASSWORD)[0].name == "viewer1"
    with pytest.raises(SignInError):
        sign_in(engine, "nobody", PASSWORD)


def test_sessions_expire_and_sign_out(engine):
    _, token = sign_in(engine, "leader1", PASSWORD)
    assert session_user(engine, token) is not None
    with engine.begin() as conn:
        conn.execute(user_sessions.update().values(expires_at=datetime.now() - timedelta(minutes=1)))
    assert session_user(engine, token) is None
    _, token = sign_in(engine, "leader1", PASSWORD)
    sign_out(engine, token)
    assert session_user(engine, token) is None and session_user(engine, "made-up") is None


def test_passwords_are_salted_slow_hashes(engine):
    with engine.connect() as conn:
        hashes = conn.execute(sa.select(users.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes) and len(set(hashes)) == len(hashes)
    assert PASSWORD not in " ".join(hashes)
    assert "password_hash" not in list_users(engine).columns


@pytest.mark.parametrize("name, role, password, message", [
    ("x", "boss", PASSWORD, "unknown role"), ("x", "viewer", "short", "at least 8"), ("viewer1", "viewer", PASSWORD,
                                                                                     "already a user")])
def test_bad_accounts(engine, name, role, password, message):
    with pytest.raises(ValueError, match=message):
        add_user(engine, name, role, password)


def test_role_change_and_cli(engine, tmp_path):
    from typer.testing import CliRunner
    from civicdesk.cli import app
    set_role(engine, "viewer1", "leader")
    assert dict(zip(*list_users(engine)[["name", "role"]].T.values))["viewer1"] == "leader"
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "cli1", "--role", "analyst", "--password-stdin", "--db", url],
                          input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["user", "list", "--db", url])
    assert "cli1" in listed.output and "argon2" not in listed.output
    bad = runner.invoke(app, ["user", "add", "cli2", "--role", "boss", "--password-stdin", "--db", url], input=PASSWORD)
    assert bad.exit_code == 1 and "unknown role" in bad.output
