"""Repeat contacts and the key-problem list (重点问题清单).

A *repeat contact* is a ticket whose caller (same `caller_key`) contacted the centre in the previous
30 days: the definition of `civicdesk.kpi`'s 重复来电率 and of the satisfaction model's repeat flag.

The *key-problem list* gathers, as of a day, every caller and every place with at least three contacts
in the last 30 days, for the weekly consultation (周研判/联席会议):

- a **caller** entry: all tickets with one `caller_key` (shown only as 来电人#n, never the key itself);
  its subject is the caller's most frequent category/subcategory;
- a **place** entry: tickets about one subject (category/subcategory) at one place: the same 小区 or
  village read from the description (`extract_site`) in the same street and grid. Tickets whose text
  names no such place (policy questions, roads) count only towards their caller: a grid alone is too
  coarse (three licence questions from one grid in a month is ordinary, not a key problem).

Entries are ranked by a priority score (`PRIORITY_WEIGHTS`, documented on `priority_score`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from civicdesk.drivers._source import DataRangeError, Source, read_tickets, ticket_span
from civicdesk.drivers.segment import SITE_RE
from civicdesk.store.rollup import REPEAT_WINDOW_DAYS, repeat_flags

COLUMNS = ("ticket_id", "created_at", "channel", "street", "grid_id", "category", "subcategory", "caller_key",
           "closed_at", "status", "returned_count", "callback_result", "description")
#: Weights of the priority score (see `priority_score`).
PRIORITY_WEIGHTS = {"subject_contacts": 1.0, "other_contacts": 0.5, "last_unsatisfied": 3.0,
                    "open_tickets": 1.0, "returned_tickets": 1.0, "recent_contacts": 1.0}
RECENT_DAYS = 7
_ENTRY_COLUMNS = ["entry_id", "rank", "kind", "label", "street", "grid_id", "site", "category", "subcategory",
                  "contacts", "subject_contacts", "first_contact", "last_contact", "days_span", "last_callback",
                  "last_unsatisfied", "open_tickets", "returned_tickets", "recent_contacts", "listed_since",
                  "priority", "related", "ticket_ids"]


@dataclass(frozen=True)
class KeyProblems:
    """The key-problem list as of a day.

    Attributes:
        as_of: last day included.
        window_days: contacts are counted over the `window_days` days ending on `as_of`.
        min_contacts: contacts needed in the window to be listed.
        entries: one row per entry, best rank first: entry_id ("C001" callers, "P001" places), rank, kind
            ("caller"/"place"), label (来电人#n, or site/grid · subcategory), street, grid_id, site, category,
            subcategory, contacts (in the window), subject_contacts (of those, about the entry's subject),
            first_contact, last_contact, days_span, last_callback (latest reached callback result or None),
            last_unsatisfied, open_tickets (not closed by the end of `as_of`), returned_tickets,
            recent_contacts (last 7 days), listed_since (day the entry last reached `min_contacts` within
            the window), priority, related (tuple of the other entries sharing tickets with this one, e.g.
            a caller and the place they call about), ticket_ids (tuple, the window's tickets; "#<row id>" for
            a ticket imported without a ticket_id, see `civicdesk.drivers._source.ticket_keys`). No caller_key
            anywhere.
        history: the entries' contact history over `history_days`, one row per (entry, ticket): entry_id,
            label, kind, ticket_id, created_at, channel, street, grid_id, category, subcategory, status,
            closed_at, callback_result, description, in_window, rolling_contacts (contacts in the window
            ending at this ticket), joined_list (this ticket brought the entry onto the list).
        members: ticket_id → entry_id for the window's tickets (a ticket may belong to a caller and a
            place entry).
    """

    as_of: date
    window_days: int
    min_contacts: int
    entries: pd.DataFrame
    history: pd.DataFrame
    members: pd.DataFrame

    def entry_of(self, ticket_ids) -> pd.Series:
        """Labels of the entries each ticket belongs to ("来电人#1、…"), None for tickets not on the list."""
        ids = pd.Series(ticket_ids, dtype=object)
        labelled = self.members.merge(self.entries[["entry_id", "label"]], on="entry_id")
        joined = labelled.groupby("ticket_id")["label"].agg("、".join)
        labels = [v if isinstance(v, str) else None for v in ids.map(joined)]
        return pd.Series(labels, index=ids.index, dtype=object, name="key_problem")


def _usable_keys(keys: pd.Series) -> pd.Series:
    """Caller keys with blanks turned into missing values."""
    keys = keys.astype(object)
    blank = keys.isna() | (keys.astype(str).str.strip() == "")
    return keys.where(~blank, None)


def repeat_caller_flags(df: pd.DataFrame, window_days: int = REPEAT_WINDOW_DAYS) -> pd.Series:
    """Whether each ticket's caller contacted the centre in the previous `window_days` days.

    Tickets without a caller_key are False. The frame needs `created_at` and `caller_key`; it should hold
    every ticket of the `window_days` before its first day, or the first days' flags are too low.

    Returns:
        Boolean Series aligned on `df.index`, named "repeat_caller".
    """
    if window_days <= 0:
        raise ValueError(f"window_days must be a positive number of days, not {window_days}.")
    flags = repeat_flags(pd.to_datetime(df["created_at"]), _usable_keys(df["caller_key"]), window_days)
    return pd.Series(flags, index=df.index, name="repeat_caller")


def extract_site(descriptions: pd.Series) -> pd.Series:
    """The 小区 or village a description opens with ("翡翠华庭", "钱官庄村"), else None.

    Reads names ending in a usual suffix (小区, 花园, 家园, 苑, 村, …) at the start of the text, after
    openers such as 反映/再次反映/咨询 (`civicdesk.drivers.segment.SITE_RE`). Not an address parser: a
    ticket whose place is missed is simply not grouped by place.
    """
    found = descriptions.astype(object).fillna("").astype(str).str.extract(SITE_RE, expand=False)
    return found.astype(object).where(found.notna(), None)


def priority_score(entries: pd.DataFrame) -> pd.Series:
    """Priority of entries for the weekly consultation (higher first).

    priority = 1.0 × contacts about the entry's subject + 0.5 × other contacts
             + 3 × (last reached callback was 不满意) + 1 × open tickets + 1 × tickets returned (退单)
             + 1 × contacts in the last 7 days.
    Repetition on one problem counts most; an unsatisfied caller, tickets still open or bounced between
    units (退单, a sign no one owns the problem), and contacts that keep coming add urgency.
    """
    w = PRIORITY_WEIGHTS
    return (w["subject_contacts"] * entries["subject_contacts"]
            + w["other_contacts"] * (entries["contacts"] - entries["subject_contacts"])
            + w["last_unsatisfied"] * entries["last_unsatisfied"].astype(float)
            + w["open_tickets"] * entries["open_tickets"]
            + w["returned_tickets"] * entries["returned_tickets"]
            + w["recent_contacts"] * entries["recent_contacts"])


def _check_args(source: Source, as_of, window_days: int, min_contacts: int, history_days: int) -> date:
    if window_days <= 0 or min_contacts < 2 or history_days < window_days:
        raise ValueError("window_days must be positive, min_contacts at least 2 and history_days at least "
                         f"window_days (got {window_days}, {min_contacts}, {history_days}).")
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"as_of '{as_of}' is not a date.")
    day = stamp.date()
    span = ticket_span(source)
    if span is None:
        raise DataRangeError("There are no tickets to build a key-problem list from.", "empty_store")
    if not span[0] <= day <= span[1]:
        raise DataRangeError(f"as_of {day} is outside the data, which runs from {span[0]} to {span[1]}.",
                             "pt_kp_outside", start=span[0], end=span[1])
    return day


def _group_keys(df: pd.DataFrame, kind: str) -> pd.Series:
    """Group key per ticket for callers or places (missing where the ticket has no such group)."""
    if kind == "caller":
        return _usable_keys(df["caller_key"])
    cols = ["street", "grid_id", "site", "category", "subcategory"]
    place = df[cols].astype(object).fillna("")
    key = place.groupby(cols, sort=False).ngroup().astype(float)
    return key.where(place["site"] != "", np.nan)


def _rolling_contacts(created: pd.Series, group: pd.Series, window_days: int) -> np.ndarray:
    """For each ticket, its group's contacts in the `window_days` days ending at it (itself included).

    `created` and `group` must be sorted by group, then time.
    """
    secs = created.to_numpy(dtype="datetime64[s]").astype(np.int64)
    secs = secs - secs.min() if len(secs) else secs
    codes = pd.factorize(group)[0].astype(np.int64)
    combined = codes * (int(secs.max(initial=0)) + window_days * 86_400 + 1) + secs
    first = np.searchsorted(combined, combined - window_days * 86_400, side="left")
    return np.arange(len(combined)) - first + 1


def _modal(win: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Per group, the most frequent combination of `cols` in the window and how often it occurs."""
    counts = (win[["group", *cols]].astype(object).fillna("").value_counts(sort=False)
              .rename("n").reset_index())
    counts = counts.sort_values(["group", "n"], ascending=[True, False], kind="stable")
    return counts.drop_duplicates("group").set_index("group")


def _history(d: pd.DataFrame, listed, window_start: pd.Timestamp, window_days: int,
             min_contacts: int) -> pd.DataFrame:
    """The listed groups' tickets with their rolling contacts and the tickets that joined the list."""
    hist = d[d["group"].isin(listed)].sort_values(["group", "created_at"], kind="stable", ignore_index=True)
    hist["rolling_contacts"] = _rolling_contacts(hist["created_at"], hist["group"], window_days)
    hist["in_window"] = hist["created_at"] >= window_start
    on = hist["rolling_contacts"] >= min_contacts
    before = on.groupby(hist["group"]).shift(1, fill_value=False).astype(bool)
    hist["joined_list"] = on & ~before
    return hist


def _summary(hist: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """One row per group: counts, dates, callbacks and places (before ranking)."""
    win = hist[hist["in_window"]]
    g = win.groupby("group", sort=True)
    subject = _modal(win, ["category", "subcategory"])
    place = _modal(win, ["street", "grid_id"])
    site = _modal(win[win["site"].notna()], ["site"])["site"]
    reached = hist[hist["callback_result"].isin(["satisfied", "basically_satisfied", "unsatisfied"])]
    last_cb = reached.groupby("group")["callback_result"].last()
    still_open = hist["closed_at"].isna() | (hist["closed_at"] >= end)
    out = pd.DataFrame({
        "street": place["street"], "grid_id": place["grid_id"], "site": site,
        "category": subject["category"], "subcategory": subject["subcategory"],
        "contacts": g.size(), "subject_contacts": subject["n"],
        "first_contact": g["created_at"].min(), "last_contact": g["created_at"].max(),
        "last_callback": last_cb,
        "open_tickets": still_open.groupby(hist["group"]).sum(),
        "returned_tickets": (win["returned_count"].fillna(0) > 0).groupby(win["group"]).sum(),
        "recent_contacts": (win["created_at"] >= end - pd.Timedelta(days=RECENT_DAYS)).groupby(win["group"])
        .sum(),
        "listed_since": hist[hist["joined_list"]].groupby("group")["created_at"].last().dt.normalize(),
        "ticket_ids": g["ticket_id"].agg(tuple),
    })
    out = out.loc[g.size().index]
    out["days_span"] = (out["last_contact"].dt.normalize() - out["first_contact"].dt.normalize()).dt.days
    out["last_unsatisfied"] = out["last_callback"].eq("unsatisfied")
    out["last_callback"] = out["last_callback"].astype(object).where(out["last_callback"].notna(), None)
    for col in ("street", "grid_id", "site"):
        out[col] = out[col].astype(object).where(out[col].notna() & (out[col] != ""), None)
    return out.rename_axis("group").reset_index()


def _kind_entries(df: pd.DataFrame, kind: str, window_start: pd.Timestamp, end: pd.Timestamp,
                  window_days: int, min_contacts: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entries, history) of one kind, entries not yet ranked; `group` is the private group key."""
    key = _group_keys(df, kind)
    d = df[key.notna()].assign(group=key[key.notna()])
    counts = d.loc[d["created_at"] >= window_start, "group"].value_counts()
    listed = counts.index[counts >= min_contacts]
    if not len(listed):
        return pd.DataFrame(columns=["group"]), pd.DataFrame(columns=[*d.columns, "in_window"])
    hist = _history(d, listed, window_start, window_days, min_contacts)
    entries = _summary(hist, end).assign(kind=kind)
    return entries, hist.assign(kind=kind)


def _rank(entries: pd.DataFrame) -> pd.DataFrame:
    """Priority, rank, entry ids and display labels; the private `group` key is kept for joining."""
    entries = entries.assign(priority=priority_score(entries).round(2))
    entries = entries.sort_values(["priority", "last_contact", "contacts"], ascending=False, kind="stable",
                                  ignore_index=True)
    entries["rank"] = np.arange(1, len(entries) + 1)
    number = entries.groupby("kind").cumcount() + 1
    caller = entries["kind"] == "caller"
    entries["entry_id"] = np.where(caller, "C", "P") + number.map("{:03d}".format)
    where = entries["site"].fillna(entries["grid_id"]).fillna(entries["street"]).fillna("")
    entries["label"] = np.where(caller, "来电人#" + number.astype(str),
                                where + " · " + entries["subcategory"].fillna(entries["category"]).fillna(""))
    return entries


_HISTORY_COLUMNS = ["entry_id", "label", "kind", "ticket_id", "created_at", "channel", "street", "grid_id",
                    "category", "subcategory", "status", "closed_at", "callback_result", "description",
                    "in_window", "rolling_contacts", "joined_list"]


def key_problems(source: Source, as_of, window_days: int = REPEAT_WINDOW_DAYS, min_contacts: int = 3,
                 history_days: int = 90, kinds: tuple[str, ...] = ("caller", "place")) -> KeyProblems:
    """The key-problem list (重点问题清单) as of a day: callers and places with repeated contacts.

    Args:
        source: an engine on the store (only the `history_days` before `as_of` are read) or a ticket frame.
        as_of: last day counted (a date or "2023-05-10"); must lie within the data.
        window_days: contacts are counted over the `window_days` days ending on `as_of`.
        min_contacts: contacts in the window needed to be listed.
        history_days: how far back each entry's contact history goes.
        kinds: "caller" and/or "place".

    Raises:
        DataRangeError: as_of outside the data, or no tickets (a ValueError with `key` and `params`).
        ValueError: an unknown kind, inconsistent windows, an as_of that is not a date.
    """
    unknown = set(kinds) - {"caller", "place"}
    if unknown or not kinds:
        raise ValueError(f"kinds must be 'caller' and/or 'place', not {sorted(unknown) or 'nothing'}.")
    day = _check_args(source, as_of, window_days, min_contacts, history_days)
    end = pd.Timestamp(day) + pd.Timedelta(days=1)
    df = read_tickets(source, end - pd.Timedelta(days=history_days), end, COLUMNS)
    df["site"] = extract_site(df["description"])
    window_start = end - pd.Timedelta(days=window_days)
    parts = [_kind_entries(df, kind, window_start, end, window_days, min_contacts) for kind in kinds]
    found = [(e, h) for e, h in parts if len(e)]
    if not found:
        return _empty(day, window_days, min_contacts)
    entries = _rank(pd.concat([e for e, _ in found], ignore_index=True))
    ids = entries[["kind", "group", "entry_id", "label"]]
    history = pd.concat([h for _, h in found], ignore_index=True).merge(ids, on=["kind", "group"])
    history = history.sort_values(["entry_id", "created_at"], ignore_index=True)
    members = history.loc[history["in_window"], ["ticket_id", "entry_id"]].reset_index(drop=True)
    related = _related(members)
    entries["related"] = [related.get(e, ()) for e in entries["entry_id"]]
    return KeyProblems(day, window_days, min_contacts, entries[_ENTRY_COLUMNS].copy(),
                       history[_HISTORY_COLUMNS].copy(), members)


def _related(members: pd.DataFrame) -> pd.Series:
    """For each entry id, the other entry ids sharing at least one ticket with it (a sorted tuple)."""
    pairs = members.merge(members, on="ticket_id", suffixes=("", "_other"))
    pairs = pairs[pairs["entry_id"] != pairs["entry_id_other"]]
    return pairs.groupby("entry_id")["entry_id_other"].agg(lambda s: tuple(sorted(set(s))))


def _empty(day: date, window_days: int, min_contacts: int) -> KeyProblems:
    """A valid list with nothing on it."""
    return KeyProblems(day, window_days, min_contacts, pd.DataFrame(columns=_ENTRY_COLUMNS),
                       pd.DataFrame(columns=_HISTORY_COLUMNS), pd.DataFrame(columns=["ticket_id", "entry_id"]))
