"""Chinese ticket text to terms: jieba words and adjacent-word phrases, stop words removed.

A description is cut into clauses at punctuation and digits (numbers are never terms, and a phrase never
spans a comma) and after the 小区 or village name it opens with (`SITE_RE`: the name stays a term, and
the rest of the clause is then the same text for every place, so far fewer distinct clauses need
segmenting); each distinct clause is segmented once (jieba, HMM on so unseen words such as 不热 stay
whole) and cached. Terms are the content words (two characters or more, not a stop word) and the
*phrases* formed by two adjacent content words ("暖气" + "不热" → "暖气不热"), so multi-word topics are
found without listing them in advance. Every phrase is a substring of the text it came from.
"""
from __future__ import annotations

import logging
import marshal
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from civicdesk import config

#: Words that carry no topic: function words, pronouns, complaint boilerplate, time and generic place words.
STOP_WORDS = frozenset("""
的 了 和 与 及 或 在 是 有 无 不 没 也 都 就 还 又 再 很 太 更 最 被 把 将 对 向 从 到 于 为 以 因 由
我们 你们 他们 她们 它们 我家 我村 本人 自己 大家 有人 别人 对方 这个 那个 这些 那些 这里 那里 这样 那样 这种
那种 哪里 什么 怎么 怎样 为什么 如何 是否 能否 可否 是不是 有没有 一个 一些 一下 一直 一起 一定 一样 一次 两次
多次 几次 每次 每天 天天 经常 已经 曾经 仍然 仍未 依然 还是 还有 就是 但是 可是 而且 并且 而是 因为 所以 因此
如果 虽然 然后 然而 以及 以后 以前 之后 之前 目前 现在 当时 近期 最近 最后 今年 去年 今天 昨天 明天 时候 时间
期间 晚上 早上 上午 下午 凌晨 其中 其他 其它 另外 同时 相关 有关 关于 对于 通过 进行 存在 出现 发生 造成 导致
影响 情况 问题 事情 事项 方面 部分 全部 所有 很多 许多 非常 特别 严重 比较 十分 一般 基本 主要 具体 有效 正常
反映 再次 重复 来电 来信 投诉 举报 咨询 建议 要求 请求 希望 申请 请问 您好 你好 尊敬 领导 谢谢 感谢 麻烦 恳请
尽快 及时 立即 马上 处理 解决 答复 回复 落实 协调 核查 核实 调查 了解 联系 反馈 未果 至今 仍旧 得到 没有 不能
不会 不要 不是 不再 可以 能够 应该 需要 必须 只能 只有 只是 造成 认为 觉得 知道 表示 说是 告知 称 说 讲 看
居民 村民 群众 市民 业主 住户 家属 老人 工作人员 相关部门 有关部门 政府 部门 单位 街道 社区 村委 村委会 居委会
家里 家中 整个 小区 号楼 单元 楼栋 门口 附近 周边 旁边 对面 地方 位置 地址 区域 位于 所在 一带 处 内 外 上 下 前 后 中 里
""".split())

#: Domain words jieba's general dictionary cuts apart (generic governance vocabulary, not topics).
DOMAIN_WORDS = ("网格员", "接诉即办", "充电桩", "渣土车", "广场舞", "乱停乱放", "私拉乱接", "楼道灯", "暖气片",
                "物业费", "停车位", "换热站", "化粪池", "宅基地")

#: A 小区 or village name opening a description, after openers such as 反映/再次反映/咨询 (group 1).
_LEADS = r"(?:再次反映|多次反映未果|多次反映|重复来电|此前反映的问题仍未解决|反映|咨询|走访|巡查|建议|网传|为)"
_SUFFIX = r"(?:小区|花园|家园|嘉园|佳苑|雅苑|新村|公寓|华庭|名都|山庄|社区|大厦|村|苑|府|园)"
_SUFFIX2 = r"(?:小区|花园|家园|嘉园|佳苑|雅苑|新村|公寓|华庭|名都|山庄|大厦)"
SITE_RE = (rf"^[\s：:，,]*(?:{_LEADS}[\s：:，,]*)*"
           rf"([\u4e00-\u9fff]{{1,10}}?{_SUFFIX}{_SUFFIX2}?)(?![路街道桥])")
_SITE_PREFIX = re.compile(SITE_RE)
_CLAUSE_SPLIT = r"[\s\d，,。．.；;：:！!？?、（）()【】\[\]《》<>“”\"'‘’…—\-~～/\\|·＊*#%&+=@]+"
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_LOCK = threading.Lock()
_STATE: dict = {}
_CACHE: dict[str, tuple[str, ...]] = {}
#: Distinct clauses whose terms are kept between calls (the cache is emptied when it would grow past this).
CACHE_SIZE = 500_000


def tokenizer():
    """The module's own jieba tokenizer, initialised once (quietly) with `DOMAIN_WORDS` added."""
    with _LOCK:
        if "tokenizer" not in _STATE:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            load_dictionary(tok)
            for word in DOMAIN_WORDS:
                tok.add_word(word)
            _STATE["tokenizer"] = tok
        return _STATE["tokenizer"]


def dictionary_cache() -> Path:
    """jieba's prefix-dictionary cache of this jieba version, under the models folder (`config.models_dir`)."""
    import jieba

    return config.models_dir() / "jieba" / f"jieba-{jieba.__version__}.cache"


def load_dictionary(tok) -> None:
    """Initialise jieba tokenizer `tok` with its default dictionary from `dictionary_cache()`.

    jieba's own `initialize` reads its cache with `marshal.load` on the open file, which unpacks its half a
    million entries from many small reads: 0.6 s where unmarshalling the file's bytes takes 0.2 s. So the
    cache is read here at once; the first time (no cache yet, or an unreadable one) jieba builds the
    dictionary and writes the cache itself (its `tmp_dir` and `cache_file` settings), in the system's
    temporary folder should the models folder not be writable.
    """
    path = dictionary_cache()
    try:
        freq, total = marshal.loads(path.read_bytes())
        if isinstance(freq, dict) and isinstance(total, int) and freq:
            tok.FREQ, tok.total, tok.initialized = freq, total, True
            return
    except (OSError, ValueError, EOFError, TypeError):
        pass
    tok.cache_file = path.name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tok.tmp_dir = str(path.parent)
    except OSError:
        pass
    tok.initialize()


def is_content(token: str) -> bool:
    """A token that can be a term: two characters or more, with a Han character or a letter, not a stop word."""
    return len(token) >= 2 and token not in STOP_WORDS and bool(_CONTENT.search(token))


def _terms(tokens: list[str]) -> tuple[str, ...]:
    """Content words, then phrases of two adjacent content words, each once."""
    keep = [is_content(t) for t in tokens]
    words = [t for t, k in zip(tokens, keep) if k]
    phrases = [a + b for a, b, ka, kb in zip(tokens, tokens[1:], keep, keep[1:]) if ka and kb]
    return tuple(dict.fromkeys(words + phrases))


def clause_terms(clause: str) -> tuple[str, ...]:
    """Terms of one clause (no punctuation, digits or spaces inside)."""
    return many_clause_terms([clause])[0]


def _cut_each(clauses: list[str]) -> list[list[str]]:
    """jieba tokens of each clause, from one call on the clauses joined by line breaks (less overhead)."""
    parts, current = [], []
    for token in tokenizer().lcut("\n".join(clauses), HMM=True):
        if token == "\n":
            parts.append(current)
            current = []
        else:
            current.append(token)
    parts.append(current)
    if len(parts) != len(clauses):  # cannot happen for clauses without whitespace; stay safe anyway
        parts = [tokenizer().lcut(c, HMM=True) for c in clauses]
    return parts


def many_clause_terms(clauses: list[str]) -> list[tuple[str, ...]]:
    """Terms of each clause; clauses not seen before are segmented together, then cached."""
    known = {c: t for c in set(clauses) if (t := _CACHE.get(c)) is not None}
    todo = [c for c in dict.fromkeys(clauses) if c not in known]
    if todo:
        new = dict(zip(todo, map(_terms, _cut_each(todo))))
        if len(_CACHE) + len(new) > CACHE_SIZE:
            _CACHE.clear()
        _CACHE.update(new)
        known.update(new)
    return [known[c] for c in clauses]


def _set_off_site(m: re.Match) -> str:
    """The opening matched by `SITE_RE` with commas around its place name (反映翠湖花园 → 反映，翠湖花园，)."""
    lead = m.group(0)[: m.start(1) - m.start(0)]
    return f"{lead}，{m.group(1)}，"


def text_terms(text: str) -> set[str]:
    """All terms of a text."""
    text = _SITE_PREFIX.sub(_set_off_site, text or "", count=1)
    clauses = [c for c in re.split(_CLAUSE_SPLIT, text) if c]
    return {t for terms in many_clause_terms(clauses) for t in terms}


def ticket_terms(descriptions: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which terms each text contains, as (row positions, term codes, term names), each pair once.

    Args:
        descriptions: texts; missing ones have no terms.

    Returns:
        rows: positions into `descriptions`; codes: index into `names`, aligned with `rows`;
        names: the distinct terms (object array).
    """
    text = descriptions.astype(object).fillna("").astype(str).reset_index(drop=True)
    text = text.str.replace(_SITE_PREFIX, _set_off_site, regex=True)
    clauses = text.str.split(_CLAUSE_SPLIT, regex=True).explode()
    clauses = clauses[clauses.notna() & (clauses != "")]
    clause_code, uniques = pd.factorize(clauses.to_numpy(dtype=object))
    per_clause = many_clause_terms(list(uniques))
    lengths = np.array([len(t) for t in per_clause], dtype=np.int64)
    term_code, names = pd.factorize(np.array([t for ts in per_clause for t in ts], dtype=object))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    reps = lengths[clause_code]
    rows = np.repeat(clauses.index.to_numpy(dtype=np.int64), reps)
    starts = np.repeat(offsets[clause_code], reps)
    within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    codes = term_code[starts + within].astype(np.int64)
    pair = pd.unique(rows * max(len(names), 1) + codes)
    return pair // max(len(names), 1), pair % max(len(names), 1), np.asarray(names, dtype=object)
