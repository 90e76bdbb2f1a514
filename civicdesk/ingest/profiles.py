"""Mapping profiles: which column of an export holds which ticket field, and how its values translate.

A profile is a TOML file (see `profiles/*.toml` for the shipped ones). A centre adds its own by dropping a
file into `config.profiles_dir()` (data/profiles/ by default); a user profile with the name of a shipped
one replaces it. Keys:

    name, label, label_en, source       identity; `source` names the system the tickets come from
    timezone                             optional; offsets in timestamps are converted to the centre's zone
    [columns]  field = ["header", ...]   header synonyms, the first one present in the file wins
    [defaults] field = "code"            value when the column is absent or the cell empty
    [values.<field>] "raw" = "code"      raw value → stored code (channel, urgency, status, callback_result,
                                         category); categories not in the table are kept as written
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from civicdesk import config

SHIPPED_DIR = Path(__file__).parent / "profiles"

#: Every ticket field a profile may map, in the order the Data view shows them.
FIELDS = (
    "source_id", "created_at", "channel", "category", "subcategory", "street", "grid_id", "department",
    "urgency", "signed_at", "first_response_at", "closed_at", "deadline_at", "status", "callback_result",
    "caller_phone", "caller_name", "title", "description", "returned_count", "reopened_count", "escalated",
    "source", "ticket_id", "caller_key", "category_raw", "id_derived",
)
#: Fields every import needs; a row without them is quarantined.
REQUIRED_FIELDS = ("created_at",)
#: Fields whose cells are timestamps.
TIME_FIELDS = ("created_at", "signed_at", "first_response_at", "closed_at", "deadline_at")
#: Fields whose cells translate through `[values.<field>]`.
CODED_FIELDS = ("channel", "urgency", "status", "callback_result", "category")


class ProfileError(ValueError):
    """A profile file is malformed or names something civicdesk does not know; one sentence for the user."""


@dataclass(frozen=True)
class Profile:
    """One mapping profile (see the module docstring for the file format)."""

    name: str
    label: str
    label_en: str
    source: str
    columns: dict[str, tuple[str, ...]]
    defaults: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    timezone: str | None = None
    path: Path | None = None

    def match(self, headers: list[str] | tuple[str, ...]) -> dict[str, str]:
        """field → header for every field whose synonyms include one of `headers`."""
        present = {h.strip(): h for h in headers}
        mapping = {}
        for name, synonyms in self.columns.items():
            hit = next((present[s] for s in synonyms if s in present), None)
            if hit is not None:
                mapping[name] = hit
        return mapping

    def display_label(self, lang: str = "zh") -> str:
        return self.label if lang == "zh" else self.label_en


def _as_tuple(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ProfileError(f"{where} must be a header name or a list of header names.")


def parse_profile(data: dict, path: Path | None = None) -> Profile:
    """Build a Profile from the parsed TOML `data`, checking every field name."""
    where = path.name if path else "profile"
    name = data.get("name") or (path.stem if path else None)
    if not name:
        raise ProfileError(f"{where} has no name.")
    columns = {k: _as_tuple(v, f"{where}: columns.{k}") for k, v in data.get("columns", {}).items()}
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise ProfileError(f"{where} maps unknown fields {unknown}; known fields are {list(FIELDS)}.")
    values = {k: {str(raw): str(code) for raw, code in v.items()} for k, v in data.get("values", {}).items()}
    unknown = sorted(set(values) - set(CODED_FIELDS))
    if unknown:
        raise ProfileError(f"{where} has value tables for {unknown}; only {list(CODED_FIELDS)} take one.")
    return Profile(name=str(name), label=str(data.get("label", name)), label_en=str(data.get("label_en", name)),
                   source=str(data.get("source", name)), columns=columns,
                   defaults={k: str(v) for k, v in data.get("defaults", {}).items()},
                   values=values, timezone=data.get("timezone"), path=path)


def load_profile_file(path: Path) -> Profile:
    """Read one TOML profile file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{Path(path).name} is not valid TOML: {exc}.") from None
    return parse_profile(data, Path(path))


def load_profiles(user_dir: Path | None = None) -> dict[str, Profile]:
    """Shipped profiles, then the user's (same name replaces), keyed by name."""
    found: dict[str, Profile] = {}
    folders = [SHIPPED_DIR, user_dir or config.profiles_dir()]
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                profile = load_profile_file(path)
                found[profile.name] = profile
    return found


def get_profile(name: str, profiles: dict[str, Profile] | None = None) -> Profile:
    """The profile called `name`; a clear error lists the known ones."""
    profiles = profiles if profiles is not None else load_profiles()
    if name not in profiles:
        raise ProfileError(f"No mapping profile called '{name}'; known profiles: {', '.join(sorted(profiles))}.")
    return profiles[name]


def score(profile: Profile, headers) -> float:
    """How well `headers` fit `profile`: the share of its fields found, with required fields a must."""
    mapping = profile.match(headers)
    if not all(f in mapping for f in REQUIRED_FIELDS if f in profile.columns):
        return 0.0
    return len(mapping) / max(len(profile.columns), 1) + 0.01 * len(mapping)

