"""Hot topics (热点): terms of the ticket descriptions whose frequency this week rises most.

Terms are jieba words and two-word phrases (`civicdesk.drivers.segment`). For each group (district-wide,
and each street, category, … named in `by`) and term:

- ``count``  c  = tickets of the group this week whose description contains the term;
- ``baseline``  b = such tickets in the `baseline_weeks` before; ``baseline_mean`` = b per baseline week;
- ``expected`` e = n × (b + ½) / (n_b + 1), where n and n_b are the group's tickets this week and in the
  baseline: the count the term's baseline share predicts for this week's volume (so a street whose whole
  volume doubles after a storm does not make every word hot). The half-ticket prior keeps e above zero for
  a term new this week;
- ``score`` = −log10 P(X ≥ c) for X ~ Poisson(e): the surprise of seeing so many. Terms new this week
  score high when they come in numbers, and a common word needs a large rise to score;
- ``ratio`` = (c + 1) / (n × b / n_b + 1), the smoothed rise, for reading.

A term is hot when c ≥ `min_count`, c > e and score ≥ `min_score`. Within each group, a word whose
tickets are nearly all (80%) in a hot phrase containing it is dropped (电动车 under 电动车充电); then, in
score order, a term whose rise (c − e) is at least 80% made of tickets of a better term already kept is
folded into that term's ``related`` terms, so one topic takes one line (翡翠华庭, related 供热公司, 孩子受冻,
翡翠, …). Each group keeps its `top` lines.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import sparse, stats

from civicdesk.drivers._source import DataRangeError, Source, read_tickets
from civicdesk.drivers.segment import ticket_terms
from civicdesk.periods import iso_week_name, week_monday

DISTRICT = "全区"
SUBSUMED_SHARE = 0.8
FOLD_SHARE = 0.8
FOLD_CANDIDATES = 200  # best terms per group considered for folding (bounds the co-occurrence matrix)
_TERM_COLUMNS = ["level", "group", "rank", "term", "related", "count", "baseline_mean", "expected", "ratio",
                 "score", "new", "group_tickets"]
_EXAMPLE_COLUMNS = ["level", "group", "term", "ticket_id", "created_at", "description"]


@dataclass(frozen=True)
class HotTopics:
    """Hot topics of one week.

    Attributes:
        week: ISO week name, e.g. "2023-W19".
        monday: first day of the week.
        by: the grouping columns used besides district-wide.
        baseline_weeks: weeks compared against.
        tickets: tickets this week (all groups).
        baseline_tickets: tickets in the baseline weeks.
        terms: DataFrame[level ("district" or a `by` column), group (全区 or the street/category…), rank,
            term, related (tuple of terms folded into this one, best first), count, baseline_mean, expected,
            ratio, score, new (no ticket in the baseline), group_tickets (the group's tickets this week)],
            best first within each group.
        examples: DataFrame[level, group, term, ticket_id, created_at, description]: up to `examples`
            tickets of the week per hot term (latest first, distinct texts).
    """

    week: str
    monday: date
    by: tuple[str, ...]
    baseline_weeks: int
    tickets: int
    baseline_tickets: int
    terms: pd.DataFrame
    examples: pd.DataFrame

    def top(self, group: str = DISTRICT, level: str | None = None) -> pd.DataFrame:
        """The hot terms of one group (district-wide by default), with their examples' ticket ids."""
        m = self.terms["group"] == group
        if level is not None:
            m &= self.terms["level"] == level
        ids = self.examples.groupby(["level", "group", "term"])["ticket_id"].agg(tuple).rename("example_ids")
        return self.terms[m].join(ids, on=["level", "group", "term"]).reset_index(drop=True)


def _load(source: Source, monday: date, baseline_weeks: int, by: tuple[str, ...]) -> pd.DataFrame:
    """This week's and the baseline weeks' tickets, with `in_week`; only those days are read."""
    start = pd.Timestamp(monday) - pd.Timedelta(weeks=baseline_weeks)
    end = pd.Timestamp(monday) + pd.Timedelta(weeks=1)
    columns = list(dict.fromkeys(["ticket_id", "created_at", "description", *by]))
    df = read_tickets(source, start, end, columns)
    df["in_week"] = df["created_at"] >= pd.Timestamp(monday)
    for col in by:
        df[col] = df[col].astype(object).fillna("").astype(str)
    return df


def _check(df: pd.DataFrame, monday: date, baseline_weeks: int) -> None:
    name = iso_week_name(monday)
    if not df["in_week"].any():
        raise DataRangeError(f"There are no tickets in the week {name} ({monday} to {monday + timedelta(days=6)}).",
                             "pt_no_week_tickets", week=name)
    if df["in_week"].all():
        raise DataRangeError(f"There are no tickets in the {baseline_weeks} week(s) before {name} to compare it with.",
                             "pt_hot_no_baseline", weeks=baseline_weeks, week=name)


def _group_stats(codes: np.ndarray, rows: np.ndarray, terms: np.ndarray, in_week: np.ndarray,
                 n_terms: int, min_count: int) -> pd.DataFrame:
    """Counts per (group code, term code) with c ≥ min_count: count, baseline, n, n_baseline."""
    n_groups = int(codes.max(initial=-1)) + 1
    cell = codes[rows] * n_terms + terms
    week = in_week[rows]
    cells, c = np.unique(cell[week], return_counts=True)
    cells, c = cells[c >= min_count], c[c >= min_count]
    base_cells, base_counts = np.unique(cell[~week], return_counts=True)
    b = np.zeros(len(cells), dtype=np.int64)
    if len(base_cells):
        at = np.minimum(np.searchsorted(base_cells, cells), len(base_cells) - 1)
        found = base_cells[at] == cells
        b[found] = base_counts[at[found]]
    n = np.bincount(codes[in_week], minlength=n_groups)
    nb = np.bincount(codes[~in_week], minlength=n_groups)
    g = cells // n_terms
    return pd.DataFrame({"g": g, "t": cells % n_terms, "count": c, "baseline": b, "n": n[g], "nb": nb[g]})


def _score(cells: pd.DataFrame, weeks_with_data: int) -> pd.DataFrame:
    """Expected count, Poisson surprise, smoothed ratio (see the module docstring)."""
    expected = cells["n"] * (cells["baseline"] + 0.5) / (cells["nb"] + 1)
    score = -stats.poisson.logsf(cells["count"] - 1, expected) / np.log(10)
    share = cells["baseline"] / cells["nb"].where(cells["nb"] > 0, np.nan)
    return cells.assign(expected=expected.round(2), score=score.round(2),
                        ratio=((cells["count"] + 1) / (cells["n"] * share.fillna(0) + 1)).round(2),
                        baseline_mean=(cells["baseline"] / max(weeks_with_data, 1)).round(2),
                        new=cells["baseline"] == 0)


def _drop_subsumed(hot: pd.DataFrame) -> pd.DataFrame:
    """Drop words whose hot tickets are nearly all inside a hot phrase of the same group starting or ending
    with them."""
    count = dict(zip(zip(hot["g"], hot["term"]), hot["count"]))
    drop = set()
    for g, phrase, n in zip(hot["g"], hot["term"], hot["count"]):
        for i in range(1, len(phrase)):
            for part in (phrase[:i], phrase[i:]):
                if (g, part) in count and n >= SUBSUMED_SHARE * count[(g, part)]:
                    drop.add((g, part))
    return hot[np.array([(g, t) not in drop for g, t in zip(hot["g"], hot["term"])], dtype=bool)]


def _fold(hot: pd.DataFrame, segs: tuple, in_week: np.ndarray, codes: np.ndarray, top: int) -> pd.DataFrame:
    """Keep, per group, the best terms whose rise is not mostly tickets of a better kept term; fold the
    others into that term's `related` (翡翠华庭 ← 供热公司, 孩子受冻: one topic, one line)."""
    rows, terms, _ = segs
    m = in_week[rows] & np.isin(terms, hot["t"].unique())
    rows, terms = rows[m], terms[m]
    groups = codes[rows]
    kept = []
    for g, h in hot.groupby("g", sort=False):
        h = h.head(max(FOLD_CANDIDATES, 20 * top))
        sel = groups == g
        col = pd.Index(h["t"].to_numpy()).get_indexer(terms[sel])
        ok = col >= 0
        mat = sparse.csr_matrix((np.ones(ok.sum()), (rows[sel][ok], col[ok])), shape=(len(in_week), len(h)))
        excess = (h["count"] - h["expected"]).to_numpy(dtype=float)
        parent = _parents(np.asarray((mat.T @ mat).todense()), excess, top)
        names, index = h["term"].to_numpy(), np.arange(len(h))
        related = [tuple(names[(parent == j) & (index != j)]) for j in index]
        kept.append(h.assign(related=related)[parent == index])
    return pd.concat(kept, ignore_index=True) if kept else hot.assign(related=[])


def _parents(co: np.ndarray, excess: np.ndarray, top: int) -> np.ndarray:
    """Greedy in rank order: a term is folded into the kept term sharing the most of its tickets when those
    shared tickets make up `FOLD_SHARE` of its rise (count − expected); otherwise it is kept (up to `top`).

    Returns:
        For each term, the index of the kept term it belongs to (itself when kept), or -1 (beyond `top`).
    """
    parent = np.full(len(co), -1)
    kept: list[int] = []
    for j in range(len(co)):
        shared = co[j, kept] if kept else np.zeros(0)
        if len(shared) and shared.max() >= FOLD_SHARE * excess[j]:
            parent[j] = kept[int(shared.argmax())]
        elif len(kept) < top:
            kept.append(j)
            parent[j] = j
    return parent


def _level_terms(df: pd.DataFrame, level: str, segs: tuple, top: int, min_count: int,
                 min_score: float, weeks_with_data: int) -> pd.DataFrame:
    """The hot terms of every group of one level ("district" or a `by` column)."""
    rows, terms, names = segs
    if level == "district":
        codes, groups = np.zeros(len(df), dtype=np.int64), np.array([DISTRICT], dtype=object)
    else:
        codes, groups = pd.factorize(df[level])
    codes = np.asarray(codes, dtype=np.int64)
    in_week = df["in_week"].to_numpy()
    cells = _score(_group_stats(codes, rows, terms, in_week, len(names), min_count), weeks_with_data)
    hot = cells[(cells["count"] > cells["expected"]) & (cells["score"] >= min_score)]
    hot = _drop_subsumed(hot.assign(term=names[hot["t"].to_numpy()]))
    hot = hot.assign(length=hot["term"].str.len()).sort_values(
        ["g", "score", "count", "length"], ascending=[True, False, False, False], kind="stable")
    hot = _fold(hot, segs, in_week, codes, top)
    hot = hot.assign(level=level, group=np.asarray(groups, dtype=object)[hot["g"].to_numpy()],
                     rank=hot.groupby("g").cumcount() + 1, group_tickets=hot["n"])
    return hot[_TERM_COLUMNS]


def _examples(df: pd.DataFrame, segs: tuple, hot: pd.DataFrame, per_term: int) -> pd.DataFrame:
    """Up to `per_term` tickets of the week per hot term and group: latest first, distinct texts."""
    rows, terms, names = segs
    wanted = np.flatnonzero(np.isin(names, hot["term"].unique()))
    m = np.isin(terms, wanted) & df["in_week"].to_numpy()[rows]
    hits = df.iloc[rows[m]].assign(term=names[terms[m]], district=DISTRICT)
    parts = []
    for level in hot["level"].unique():
        col = "district" if level == "district" else level
        keys = hot.loc[hot["level"] == level, ["group", "term"]].assign(level=level)
        parts.append(hits.rename(columns={col: "group"})[["group", "term", "ticket_id", "created_at",
                                                          "description"]].merge(keys, on=["group", "term"]))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_EXAMPLE_COLUMNS)
    out = out.sort_values("created_at", ascending=False, kind="stable")
    out = out.drop_duplicates(["level", "group", "term", "description"])
    return out.groupby(["level", "group", "term"], sort=False).head(per_term)[_EXAMPLE_COLUMNS] \
        .reset_index(drop=True)


def _check_args(by: tuple[str, ...], baseline_weeks: int, top: int, min_count: int, examples: int) -> None:
    allowed = {"street", "category", "subcategory", "channel", "grid_id", "urgency", "source"}
    unknown = [c for c in by if c not in allowed]
    if unknown:
        raise ValueError(f"by may name {', '.join(sorted(allowed))}; not {', '.join(unknown)}.")
    if baseline_weeks < 1 or top < 1 or min_count < 1 or examples < 0:
        raise ValueError(f"baseline_weeks, top and min_count must be at least 1 and examples not negative (got "
                         f"{baseline_weeks}, {top}, {min_count}, {examples}).")


def hot_topics(source: Source, week, by: tuple[str, ...] = ("street", "category"), baseline_weeks: int = 4,
               top: int = 10, min_count: int = 3, min_score: float = 5.0, examples: int = 3) -> HotTopics:
    """Terms whose frequency this week rises most against the previous weeks, district-wide and by group.

    Args:
        source: an engine on the store (only the weeks needed are read) or a ticket DataFrame with
            ticket_id, created_at, description and the `by` columns.
        week: an ISO week ("2023-W19") or any date inside it.
        by: columns to find hot terms within, each on its own (district-wide always comes too).
        baseline_weeks: weeks before `week` to compare with.
        top: hot terms kept per group.
        min_count: tickets this week a term needs to be hot.
        min_score: surprise (−log10 p) a term needs to be hot.
        examples: example tickets per hot term.

    Raises:
        DataRangeError: no tickets in the week or none before it (a ValueError with `key` and `params`).
        ValueError: a week that is not a week, an unknown `by` column.
    """
    by = tuple(by)
    _check_args(by, baseline_weeks, top, min_count, examples)
    monday = week_monday(week)
    df = _load(source, monday, baseline_weeks, by)
    _check(df, monday, baseline_weeks)
    segs = ticket_terms(df["description"])
    base = df.loc[~df["in_week"], "created_at"]
    weeks_with_data = int(((base - pd.Timestamp(monday)).dt.days // 7).nunique())
    terms = pd.concat([_level_terms(df, level, segs, top, min_count, min_score, weeks_with_data)
                       for level in ("district", *by)], ignore_index=True)
    terms["new"] = terms["new"].astype(bool)
    return HotTopics(iso_week_name(monday), monday, by, baseline_weeks, int(df["in_week"].sum()),
                     int((~df["in_week"]).sum()), terms, _examples(df, segs, terms, examples))
