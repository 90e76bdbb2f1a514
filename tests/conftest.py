"""Shared fixtures: fresh stores on SQLite and PostgreSQL, hand-made tickets, a small demo district."""
from __future__ import annotations

import os
import tempfile
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("CIVICDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("CIVICDESK_REQUIRE_POSTGRES") == "1"


def pytest_configure(config):
    """Module- and session-scoped fixtures run before `_isolated_installation`: point them, too, away from
    the real installation's caller secret, profiles and models (each test then gets its own)."""
    home = tempfile.mkdtemp(prefix="civicdesk-tests-")
    os.makedirs(os.path.join(home, "profiles"))
    for name, sub in (("CIVICDESK_SECRET_FILE", "caller.key"), ("CIVICDESK_PROFILES_DIR", "profiles"),
                      ("CIVICDESK_MODELS_DIR", "models")):
        os.environ[name] = os.path.join(home, sub)


def _pg_admin():
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        engine.dispose()
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__})"
        if REQUIRE_PG:
            pytest.fail(message + "; CI requires it")
        pytest.skip(message + "; PostgreSQL store tests skipped")
    return engine


@pytest.fixture
def pg_url():
    """URL of a brand-new PostgreSQL database, dropped after the test."""
    admin = _pg_admin()
    name = f"civicdesk_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty store URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


def make_tickets(rows: list[dict], source: str = "test") -> pd.DataFrame:
    """Tickets from compact dicts; unspecified fields get plain defaults (a general hotline ticket)."""
    defaults = {"channel": "hotline", "street": "明水街道", "category": "供暖", "subcategory": "暖气不热",
                "urgency": "general", "status": "received", "returned_count": 0, "reopened_count": 0,
                "escalated": False, "caller_key": None, "signed_at": None, "first_response_at": None,
                "closed_at": None, "deadline_at": None, "callback_result": None, "grid_id": None,
                "description": "暖气不热", "department": None}
    records = []
    for i, row in enumerate(rows):
        rec = {**defaults, "source": source, "source_id": str(i), "ticket_id": f"T{i:05d}", **row}
        if rec["closed_at"] is not None and "status" not in row:
            rec["status"] = "closed"
        records.append(rec)
    df = pd.DataFrame(records)
    for col in ("created_at", "signed_at", "first_response_at", "closed_at", "deadline_at"):
        df[col] = pd.to_datetime(df[col])
    return df


SMALL_DEMO = dict(seed=0, start="2023-01-01", end="2023-06-30", scale=0.1)


@pytest.fixture(scope="session")
def small_district():
    """A small demo district (half a year at a tenth of Zhangqiu's volume), generated once per run."""
    from civicdesk.synth import generate_district

    return generate_district(**SMALL_DEMO)


@pytest.fixture(scope="session")
def demo_store_url(small_district, tmp_path_factory):
    """A SQLite store holding the small demo district, built once per run; tests must not write to it."""
    from civicdesk import store

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    engine = store.connect(url)
    store.load_district(engine, small_district)
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def _isolated_installation(tmp_path_factory, monkeypatch):
    """Keep tests away from the real installation's caller secret, import profiles and fitted models."""
    home = tmp_path_factory.getbasetemp() / "installation"
    (home / "profiles").mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("CIVICDESK_SECRET_FILE", str(home / "caller.key"))
    monkeypatch.setenv("CIVICDESK_PROFILES_DIR", str(home / "profiles"))
    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(home / "models"))


@pytest.fixture(scope="module", params=["tipdm", "la311", "other_zh", "other_en"])
def centre(request):
    """(name, engine) of each other centre's store (`tests/centres.py`), built once per run; tests only read
    it. The real-data stores skip with a message when ../shared/realdata is absent."""
    import centres
    from civicdesk import store

    assert request.param in centres.STORES
    try:
        url = centres.built_sqlite(request.param)
    except centres.RealDataMissing as exc:
        pytest.skip(str(exc))
    engine = store.connect(url)
    yield request.param, engine
    engine.dispose()


@pytest.fixture
def no_shapes_url(small_district, tmp_path):
    """A SQLite store of the small demo district without street boundaries (as a centre before it loads them)."""
    from civicdesk import store
    from civicdesk.store import schema

    url = f"sqlite:///{tmp_path / 'noshapes.db'}"
    engine = store.connect(url)
    store.load_district(engine, small_district)
    with engine.begin() as conn:
        conn.execute(schema.streets.update().values(boundary=None))
    engine.dispose()
    return url


@pytest.fixture
def demo_copy(demo_store_url, tmp_path, monkeypatch):
    """A copy of the small demo store, the test's own to change (with its own models folder)."""
    import shutil

    monkeypatch.setenv("CIVICDESK_MODELS_DIR", str(tmp_path / "models"))
    copy = tmp_path / "demo.db"
    shutil.copy(demo_store_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"
