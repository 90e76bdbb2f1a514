"""A centre's own category tree, as data: read, write, register from imports, and what handling implies.

    category_table(engine)                 # DataFrame[level1, level2, level3, name_en, handling, origin]
    dispute_categories(engine)             # {"矛盾纠纷化解"}: level-1 names whose tickets go to mediators
    is_dispute(frame, disputes)            # per ticket: a dispute by its level-1 or level-1/level-2 path

A level-1 category is the row whose level2 and level3 are ""; deeper rows are optional. A level-2 row's
handling, when a centre set it (from a file or the Data view) to differ from its level-1 row's, applies to its
tickets (a taxonomy may file 邻里纠纷 under 社会治安); otherwise level-2 rows follow their level-1 row. Tickets keep the names as written (`tickets.category` / `tickets.subcategory`); the table never
renames them, so it can be edited at any time.
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from civicdesk import codes
from civicdesk.store.schema import categories, tickets

#: How a category's tickets are handled: code → (Chinese label, English label), kept with the other codes.
HANDLINGS = codes.CATEGORY_HANDLINGS
ORIGINS = ("import", "file", "user", "demo")
COLUMNS = ("level1", "level2", "level3", "name_en", "handling", "origin")
PATH = ("level1", "level2", "level3")
_WIDTH = {c: categories.c[c].type.length for c in ("level1", "level2", "level3", "name_en")}


def _read(bind, query) -> list:
    if isinstance(bind, sa.Connection):
        return bind.execute(query).all()
    with bind.connect() as conn:
        return conn.execute(query).all()


def category_table(bind) -> pd.DataFrame:
    """Every row of the category tree, level-1 rows first within each level-1 name."""
    query = sa.select(*[categories.c[c] for c in COLUMNS]).order_by(
        categories.c.level1, categories.c.level2, categories.c.level3)
    return pd.DataFrame(_read(bind, query), columns=list(COLUMNS))


def category_english(bind) -> dict[str, str]:
    """Level-1 name → English name, for the categories that have one."""
    query = sa.select(categories.c.level1, categories.c.name_en).where(
        categories.c.level2 == "", categories.c.level3 == "", categories.c.name_en.is_not(None),
        categories.c.name_en != "")
    return {name: english for name, english in _read(bind, query)}


def handling_table(bind) -> dict[tuple[str, str], str]:
    """(level1, level2) → handling for level-1 rows (level2 "") and for the level-2 rows a centre set itself
    (from a file or the Data view) to differ from their level-1 row; other level-2 rows follow their parent."""
    query = sa.select(categories.c.level1, categories.c.level2, categories.c.handling, categories.c.origin).where(
        categories.c.level3 == "")
    rows = _read(bind, query)
    top = {l1: h for l1, l2, h, _ in rows if l2 == ""}
    out = {(l1, ""): h for l1, h in top.items()}
    out.update({(l1, l2): h for l1, l2, h, origin in rows
                if l2 != "" and origin in ("file", "user") and h != top.get(l1, "ordinary")})
    return out


def categories_handled(bind, handling: str) -> set[str]:
    """Level-1 names whose own row has `handling`."""
    return {l1 for (l1, l2), h in handling_table(bind).items() if l2 == "" and h == handling}


def dispute_categories(bind) -> set[str]:
    """Level-1 names whose tickets go to mediators as disputes (30 calendar days)."""
    return categories_handled(bind, "dispute")


def handling_of(frame: pd.DataFrame, table: dict[tuple[str, str], str]) -> pd.Series:
    """Per ticket (`category`, optional `subcategory`): its handling code; "ordinary" when the tree is silent."""
    cat = frame["category"].astype(object)
    top = {l1: h for (l1, l2), h in table.items() if not l2}
    out = cat.map(top).astype(object).where(lambda s: s.notna(), "ordinary")  # a dict lookup, not a Python call a row
    deeper = {k: v for k, v in table.items() if k[1]}
    if deeper and "subcategory" in frame:
        paths = pd.MultiIndex.from_arrays([cat, frame["subcategory"].astype(object)])
        hit = pd.Series(deeper, dtype=object).reindex(paths).to_numpy()
        out = out.where(pd.isna(hit), pd.Series(hit, index=frame.index))
    return out


def is_dispute(frame: pd.DataFrame, table: dict[tuple[str, str], str]) -> pd.Series:
    """Per ticket: True when its category path is handled as a dispute (see `handling_table`)."""
    if "dispute" not in table.values():
        return pd.Series(False, index=frame.index)
    return handling_of(frame, table) == "dispute"


def needs_subcategory(table: dict[tuple[str, str], str]) -> bool:
    """Whether `is_dispute` needs the tickets' subcategory: some level-2 row overrides its level-1 row."""
    return any(l2 for _, l2 in table)


def _clean(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Rows with every column present, paths stripped and cut to the table's widths, handling checked."""
    out = pd.DataFrame(index=frame.index)
    for col in PATH:
        values = frame[col] if col in frame else pd.Series("", index=frame.index)
        out[col] = values.astype(object).where(values.notna(), "").map(lambda v: str(v).strip()[:_WIDTH[col]])
    english = frame["name_en"] if "name_en" in frame else pd.Series(None, index=frame.index)
    out["name_en"] = english.astype(object).map(
        lambda v: None if v is None or pd.isna(v) or not str(v).strip() else str(v).strip()[:_WIDTH["name_en"]])
    handling = frame["handling"] if "handling" in frame else pd.Series("ordinary", index=frame.index)
    out["handling"] = handling.astype(object).where(handling.notna(), "ordinary")
    unknown = sorted(set(out["handling"]) - set(HANDLINGS))
    if unknown:
        raise ValueError(f"unknown category handling {unknown}; known: {list(HANDLINGS)}")
    if origin not in ORIGINS:
        raise ValueError(f"unknown category origin {origin!r}; known: {list(ORIGINS)}")
    out["origin"] = origin
    out = out[out["level1"] != ""]
    out = out[~((out["level2"] == "") & (out["level3"] != ""))]  # a level 3 needs its level 2
    return out.drop_duplicates(list(PATH), keep="last")


def _insert(conn: sa.Connection, rows: list[dict], update: tuple[str, ...]) -> None:
    dialect = {"sqlite": sqlite, "postgresql": postgresql}[conn.dialect.name]
    for start in range(0, len(rows), 500):
        stmt = dialect.insert(categories).values(rows[start:start + 500])
        if update:
            stmt = stmt.on_conflict_do_update(index_elements=list(PATH),
                                              set_={c: stmt.excluded[c] for c in update})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(PATH))
        conn.execute(stmt)


def write_categories(conn: sa.Connection, frame: pd.DataFrame, origin: str = "file") -> int:
    """Upsert rows (level1, optional level2/level3, name_en, handling) on their path; returns rows written.

    A deeper path also registers its level-1 (and level-2) parents when they are missing. When a category
    path becomes a dispute or stops being one, the rollup is refreshed for the tickets of its level-1
    category that have no stored deadline (their 按时办结 deadline changes between 30 calendar days and the
    urgency rule).

    Raises:
        ValueError: an unknown handling code.
    """
    rows = _clean(frame, origin)
    if rows.empty:
        return 0
    before = handling_table(conn)
    register_categories(conn, rows.rename(columns={"level1": "category", "level2": "subcategory"}), origin)
    _insert(conn, rows.to_dict("records"), update=("name_en", "handling", "origin"))
    after = handling_table(conn)
    changed = {l1 for (l1, l2) in set(before) | set(after)
               if "dispute" in (before.get((l1, l2)), after.get((l1, l2))) and before.get((l1, l2)) != after.get((l1, l2))}
    _refresh_deadlines(conn, changed)
    return len(rows)


def _refresh_deadlines(conn: sa.Connection, changed: set[str]) -> None:
    """Refresh the rollup over the tickets of `changed` level-1 categories that rely on the deadline rule."""
    if not changed:
        return
    from civicdesk.store.engine import lock_ticket_writes
    from civicdesk.store.rollup import REPEAT_WINDOW_DAYS, refresh_rollup

    t = tickets.c
    lo, hi = conn.execute(sa.select(sa.func.min(t.created_at), sa.func.max(t.created_at)).where(
        t.category.in_(sorted(changed)), t.deadline_at.is_(None), t.closed_at.is_not(None))).one()
    if lo is None:
        return
    lock_ticket_writes(conn)
    refresh_rollup(conn, pd.Timestamp(lo).date(),
                   (pd.Timestamp(hi) + pd.Timedelta(days=REPEAT_WINDOW_DAYS)).date())


def register_categories(conn: sa.Connection, frame: pd.DataFrame, origin: str = "import") -> None:
    """Add the level-1 names (`category`) and level-2 paths (`subcategory`) of `frame` the tree lacks.

    New rows are "ordinary"; a new level-2 path takes its level-1 row's handling. Rows already in the
    tree are left as they are (a centre's edits win over what an import sees).
    """
    if "category" not in frame or frame.empty:
        return
    cols = ["category", "subcategory"] if "subcategory" in frame else ["category"]
    pairs = frame[cols].drop_duplicates().dropna(subset=["category"])
    pairs = pairs.assign(subcategory=pairs["subcategory"].where(pairs["subcategory"].notna(), "")
                         if "subcategory" in pairs else "")
    top = pd.DataFrame({"level1": pairs["category"].unique()})
    table = handling_table(conn)
    top["handling"] = top["level1"].map(lambda c: table.get((c, ""), "ordinary"))
    deep = pairs[pairs["subcategory"] != ""].rename(columns={"category": "level1", "subcategory": "level2"})
    deep = deep.assign(handling=deep["level1"].map(lambda c: table.get((c, ""), "ordinary")))
    rows = pd.concat([_clean(top, origin), _clean(deep, origin)], ignore_index=True)
    if len(rows):
        _insert(conn, rows.to_dict("records"), update=())


def replace_categories(conn: sa.Connection, rows: list[dict], origin: str) -> None:
    """Replace the whole tree with `rows` (the demo district's load)."""
    conn.execute(categories.delete())
    write_categories(conn, pd.DataFrame(rows), origin=origin)


def split_tail(volumes: pd.Series, top: int = 12, min_share: float = 0.01) -> tuple[list, list]:
    """Which groups (categories, streets) keep their own row, bar or series, and which are merged into one,
    from their counts (`volumes`, indexed by the group): every chart, table and forecast of a long taxonomy
    uses this one rule.

    Kept: the largest holding at least `min_share` of the total, at most `top` of them; all of them when
    merging would leave a single group in the tail. Both lists are largest first.
    """
    order = volumes.sort_values(ascending=False, kind="stable")
    share = order / max(float(order.sum()), 1.0)
    kept = [c for c, s in share.items() if s >= min_share][:top]
    chosen = set(kept)
    rest = [c for c in order.index if c not in chosen]
    if len(rest) <= 1:
        return list(order.index), []
    return kept, rest


def merge_tail(frame: pd.DataFrame, key: str, weight: str, top: int, other, sums) -> tuple[pd.DataFrame, int]:
    """`frame`'s rows largest `weight` first, with (by `split_tail`, beyond `top`) the rest merged into one
    last row keyed `other` holding the sums of the `sums` columns; returns it and how many rows were merged."""
    ordered = frame.sort_values(weight, ascending=False, kind="stable", ignore_index=True)
    kept, rest = split_tail(ordered.set_index(key)[weight], top, min_share=0.0)
    if not rest:
        return ordered, 0
    tail = ordered.iloc[len(kept):]
    row = pd.DataFrame({key: [other], **{c: [tail[c].sum()] for c in sums}})
    return pd.concat([ordered.iloc[:len(kept)], row], ignore_index=True), len(rest)


def handling_label(code: str, lang: str = "zh") -> str:
    """A handling code as shown (一般事项, 矛盾纠纷（调解，30日）, 重点巡查事项)."""
    return codes.label(HANDLINGS, code, lang)
