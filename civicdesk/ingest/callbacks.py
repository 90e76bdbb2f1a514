"""Callback results (回访记录) exported on their own: matched to stored tickets by id and written onto them.

A row names a ticket by the id the centre's platform gave it (`tickets.source_id`, or the platform ticket
number `tickets.ticket_id`), the callback's time and its result (满意 / 基本满意 / 不满意 / 未接通 and their
synonyms, in Chinese or English). When a file holds several callbacks of one ticket, the latest counts and
the earlier ones are quarantined as superseded. A row is `updated` when it changes the stored ticket's
result or time and `unchanged` when the ticket already has them; callbacks never insert tickets.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import sqlalchemy as sa

from civicdesk import config
from civicdesk.ingest.dates import parse_datetimes
from civicdesk.ingest.refcheck import Checked, Rows, raw_json
from civicdesk.ingest.refspec import CALLBACK_WORDS
from civicdesk.store.rollup import refresh_days
from civicdesk.store.schema import tickets

LOOKUP_BATCH = 2_000
_MATCH_COLUMNS = ("id", "source", "source_id", "ticket_id", "created_at", "callback_result", "callback_at")


def check_callbacks(raw: pd.DataFrame, mapping: dict[str, str]) -> Checked:
    """Field checks: ticket id and a known result required, a parseable time; the latest of a ticket's
    callbacks in the file is kept (same time twice: a duplicate)."""
    rows = Rows(raw, mapping, keys=("ticket_id",))
    rows.text("ticket_id", tickets.c.source_id.type.length, required=True)
    rows.text("source", tickets.c.source.type.length)
    rows.coded("callback_result", CALLBACK_WORDS, required=True)
    text = rows.text("callback_at")
    stamps = parse_datetimes(text, tz=config.TIMEZONE)
    rows.flag("bad_date:callback_at", (text.notna() & stamps.isna()).to_numpy())
    rows.out["callback_at"] = stamps
    ok = ~rows.bad()
    order = rows.out[ok].assign(_t=stamps[ok].fillna(pd.Timestamp.min), _pos=np.arange(int(ok.sum())))
    order = order.sort_values(["_t", "_pos"], ascending=[False, True], kind="stable")
    keys = ["source", "ticket_id"]
    earlier = order.duplicated(keys, keep="first")
    same_time = earlier & order.duplicated([*keys, "_t"], keep=False)
    for reason, mask in (("duplicate_id_in_file", same_time), ("superseded_callback", earlier & ~same_time)):
        flags = np.zeros(len(raw), bool)
        flags[rows.out.index.get_indexer(order.index[mask.to_numpy()])] = True
        rows.flag(reason, flags)
    return rows.finish()


def _candidates(conn: sa.Connection, ids: list[str]) -> pd.DataFrame:
    """Stored tickets whose source_id (how 0) or, failing that, ticket_id (how 1) is one of `ids`.

    Source ids are looked up source by source, so that the unique (source, source_id) index serves; only
    the ids found that way in no source are looked up as platform ticket numbers (a column without index).
    """
    found = []
    cols = [tickets.c[c] for c in _MATCH_COLUMNS]
    sources = conn.execute(sa.select(tickets.c.source).distinct()).scalars().all()
    for source in sources:
        for start in range(0, len(ids), LOOKUP_BATCH):
            query = sa.select(*cols).where(tickets.c.source == source,
                                           tickets.c.source_id.in_(ids[start:start + LOOKUP_BATCH]))
            found.extend((*row, row[2], 0) for row in conn.execute(query).all())
    seen = {row[-2] for row in found}
    rest = [i for i in ids if i not in seen]
    for start in range(0, len(rest), LOOKUP_BATCH):
        query = sa.select(*cols).where(tickets.c.ticket_id.in_(rest[start:start + LOOKUP_BATCH]))
        found.extend((*row, row[3], 1) for row in conn.execute(query).all())
    return pd.DataFrame(found, columns=[*_MATCH_COLUMNS, "key", "how"])


def _pick(good: pd.DataFrame, found: pd.DataFrame, source: str | None) -> tuple[pd.DataFrame, pd.Series]:
    """Per good row: the one stored ticket it names (columns of `_MATCH_COLUMNS`, NaN where none) and its
    reason ("" when matched, "no_such_ticket" or "ambiguous_ticket")."""
    wanted = good["source"].where(good["source"].notna(), source)
    rows = pd.DataFrame({"_pos": np.arange(len(good)), "key": good["ticket_id"].to_numpy(),
                         "wanted": wanted.to_numpy()})
    pairs = rows.merge(found, on="key", how="inner")
    pairs = pairs[pairs["wanted"].isna() | (pairs["source"] == pairs["wanted"])]
    pairs = pairs[pairs["how"] == pairs.groupby("_pos")["how"].transform("min")]
    tickets_per_row = pairs.groupby("_pos")["id"].nunique()
    reasons = pd.Series("no_such_ticket", index=good.index, dtype=object)
    reasons.iloc[tickets_per_row.index[tickets_per_row > 1]] = "ambiguous_ticket"
    single = tickets_per_row.index[tickets_per_row == 1]
    reasons.iloc[single] = ""
    chosen = pairs[pairs["_pos"].isin(single)].drop_duplicates("_pos").set_index("_pos")
    matched = chosen.reindex(np.arange(len(good)))[list(_MATCH_COLUMNS)]
    matched.index = good.index
    return matched, reasons


def match_tickets(conn: sa.Connection, checked: Checked, raw: pd.DataFrame, mapping: dict[str, str],
                  source: str | None = None) -> Checked:
    """Join checked callbacks onto stored tickets (read only).

    Each id is looked up as a source_id first, then as a ticket_id; a row's `source` column, or `source`,
    narrows the match to that source. An id matching no ticket is quarantined as `no_such_ticket`, one
    matching tickets of several sources as `ambiguous_ticket`, a callback before the ticket's creation as
    `callback_before_created`.

    Args:
        conn: the store, inside the import's transaction.
        checked: the outcome of `check_callbacks` on `raw`.
        raw: the rows as read (for the quarantine's raw values).
        mapping: field → header of the file.
        source: the source to match ids in, where a row names none.

    Returns:
        The good rows with the ticket's row id (`id`), `created_at` and stored `old_result` / `old_at`,
        and the quarantined rows (those of `checked` and the new ones).
    """
    good = checked.good.copy()
    found = _candidates(conn, good["ticket_id"].unique().tolist())
    matched, reasons = _pick(good, found, source)
    good = good.assign(id=matched["id"], created_at=pd.to_datetime(matched["created_at"]),
                       old_result=matched["callback_result"], old_at=pd.to_datetime(matched["callback_at"]))
    early = (reasons == "") & (good["callback_at"] < good["created_at"]).fillna(False)
    reasons[early] = "callback_before_created"
    bad = (reasons != "").to_numpy()
    rejected = good[bad]
    more = pd.DataFrame({"sheet": rejected["_sheet"].to_numpy(), "row_number": rejected["_row"].to_numpy(),
                         "reasons": reasons[bad].to_numpy(),
                         "raw": raw_json(raw.loc[rejected.index], [mapping["ticket_id"]]).to_numpy()})
    quarantined = pd.concat([checked.quarantined, more], ignore_index=True)
    return Checked(good[~bad], quarantined.sort_values(["sheet", "row_number"], kind="stable", ignore_index=True))


def store_callbacks(conn: sa.Connection, good: pd.DataFrame) -> Counter:
    """Write matched callbacks onto their tickets and refresh the rollup for the tickets' days.

    Call inside the import's transaction, after `lock_ticket_writes`. A blank time keeps the stored one.
    """
    new_at = good["callback_at"].where(good["callback_at"].notna(), good["old_at"])
    same_at = (new_at == good["old_at"]) | (new_at.isna() & good["old_at"].isna())
    same = (good["callback_result"] == good["old_result"]).to_numpy() & same_at.to_numpy()
    changed = good[~same].assign(new_at=new_at[~same])
    if len(changed):
        stmt = tickets.update().where(tickets.c.id == sa.bindparam("_id")).values(
            callback_result=sa.bindparam("_result"), callback_at=sa.bindparam("_at"))
        conn.execute(stmt, [{"_id": int(i), "_result": r, "_at": None if pd.isna(a) else a.to_pydatetime()}
                            for i, r, a in zip(changed["id"], changed["callback_result"], changed["new_at"])])
        refresh_days(conn, changed["created_at"].dt.date.unique())
    return Counter(inserted=0, updated=len(changed), unchanged=int(same.sum()))
