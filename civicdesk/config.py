"""Paths and settings. Reading this module has no side effects: nothing is created on import."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CIVICDESK_DATA_DIR", PROJECT_ROOT / "data"))
RAW_DIR = DATA_DIR / "raw"
DEFAULT_DB_PATH = DATA_DIR / "civicdesk.db"
REALDATA_DIR = PROJECT_ROOT.parent / "shared" / "realdata"

#: Seconds a SQLite connection waits for a lock held by another process before giving up.
SQLITE_BUSY_TIMEOUT_S = 60.0


def db_url() -> str:
    """The store's SQLAlchemy URL: `CIVICDESK_DB_URL` if set, else the default SQLite file under data/."""
    url = os.environ.get("CIVICDESK_DB_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_DB_PATH}"

#: The centre's time zone: timestamps with an offset are converted to it, naive ones are taken as in it.
TIMEZONE = os.environ.get("CIVICDESK_TZ", "Asia/Shanghai")


#: Default of `max_import_mb`: well above a year of a big centre's tickets (1,000,000 as CSV: ~140 MB).
DEFAULT_MAX_IMPORT_MB = 2048


def max_import_mb() -> float:
    """The largest file `civicdesk import` takes, in MB: `CIVICDESK_MAX_IMPORT_MB` or 2048.

    Raises:
        ValueError: the variable is set to something that is not a positive number.
    """
    raw = os.environ.get("CIVICDESK_MAX_IMPORT_MB", "").strip()
    try:
        limit = float(raw) if raw else float(DEFAULT_MAX_IMPORT_MB)
    except ValueError:
        limit = -1.0
    if not limit > 0:
        raise ValueError(f"CIVICDESK_MAX_IMPORT_MB must be a positive number of megabytes, not '{raw}'.")
    return limit


def profiles_dir() -> Path:
    """Folder of the user's own import mapping profiles (TOML): `CIVICDESK_PROFILES_DIR` or data/profiles."""
    return Path(os.environ.get("CIVICDESK_PROFILES_DIR", DATA_DIR / "profiles"))


def secret_path() -> Path:
    """The per-installation key for hashing callers: `CIVICDESK_SECRET_FILE` or data/caller.key.

    It lives outside the database so a copy of the store alone cannot reverse caller keys.
    """
    return Path(os.environ.get("CIVICDESK_SECRET_FILE", DATA_DIR / "caller.key"))


def models_dir() -> Path:
    """Where model cards and fitted models go: `CIVICDESK_MODELS_DIR` or models/ in the project."""
    return Path(os.environ.get("CIVICDESK_MODELS_DIR", PROJECT_ROOT / "models"))
