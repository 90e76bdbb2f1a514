"""Keep callers' identities out of the store: keyed hashes for phone numbers and names, masked free text.

`caller_key` is HMAC-SHA256 of the normalised phone number (or, without one, the name) under a
per-installation secret created on first use in `config.secret_path()`, outside the database. The same
caller always gets the same key on this installation, so repeat contacts can be counted, but a copy of the
database alone does not reveal who called. Phone numbers inside free text are masked (138****5678).

A name that names nobody in particular (张先生, 王女士, 李师傅, 市民, 匿名: `is_generic_name`) and a phone
placeholder (0, 12345: `is_placeholder_phone`) never form a key: such a ticket has no caller key, rather
than one shared by every resident who left only "张先生". `rekey_generic` clears such keys in a store
imported before this rule.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from civicdesk import config

KEY_HEX_CHARS = 32
_MOBILE = r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)"
_LANDLINE = r"(?<!\d)(0\d{2,3})[- ]?\d{7,8}(?!\d)"


def installation_secret(path: Path | None = None) -> bytes:
    """The installation's caller-hashing secret, created (readable by the owner only) on first use."""
    path = Path(path or config.secret_path())
    if not path.exists():
        _create_secret(path)
    text = path.read_text().strip()
    if len(text) < 32:
        raise ValueError(f"The caller-hashing secret in {path} is damaged (too short); restore it from backup.")
    return text.encode()


def _create_secret(path: Path) -> None:
    """Write a new secret to `path` whole or not at all: it is written to a private temporary file and
    linked into place, so two imports starting at once never read a half-written secret, and the one that
    comes second keeps the first one's secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".caller-key-", dir=path.parent)  # created readable by the owner only
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process or thread created it first
    finally:
        os.unlink(tmp)


def normalise_phone(values: pd.Series) -> pd.Series:
    """Digits only, without a +86/0086 country prefix; None where no digits remain."""
    digits = values.astype("string[pyarrow]").str.replace(r"\D", "", regex=True).fillna("")
    length = digits.str.len().to_numpy(dtype="int64")
    for prefix in ("86", "0086"):
        n = len(prefix)
        strip = ((length == n + 11) & (digits.str.startswith(prefix) & (digits.str.slice(n, n + 1) == "1"))
                 .to_numpy(dtype=bool))
        if strip.any():
            digits = digits.mask(strip, digits.str.slice(n))
    return digits.where(digits.str.len() > 0).astype(object).where(lambda s: s.notna(), None)


class CallerHasher:
    """Keyed hashes of callers, remembering the keys already computed during one import."""

    MAX_CACHED = 2_000_000

    def __init__(self, secret: bytes):
        self._keyed = {kind: hmac.new(secret, f"{kind}:".encode(), hashlib.sha256) for kind in ("tel", "name")}
        self._cache: dict[tuple[str, str], str] = {}

    def hash(self, values: pd.Series, kind: str) -> pd.Series:
        """HMAC-SHA256 (hex, truncated) of each non-missing value, prefixed with `kind` before hashing."""
        if len(self._cache) > self.MAX_CACHED:
            self._cache.clear()
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        keyed, cache = self._keyed[kind], self._cache
        keys = []
        for value in uniques:
            key = cache.get((kind, value))
            if key is None:
                digest = keyed.copy()
                digest.update(str(value).encode())
                key = cache[(kind, value)] = digest.hexdigest()[:KEY_HEX_CHARS]
            keys.append(key)
        mapped = np.array(keys + [None], dtype=object)
        return pd.Series(mapped[codes], index=values.index, dtype=object)

    def keys(self, phones: pd.Series | None, names: pd.Series | None) -> pd.Series | None:
        """One key per row: from the phone number where there is one, else from the name unless it is
        generic (`is_generic_name`); None if neither. A phone placeholder (`is_placeholder_phone`) counts as
        no phone."""
        if phones is None and names is None:
            return None
        index = (phones if phones is not None else names).index
        out = pd.Series(None, index=index, dtype=object)
        if phones is not None:
            digits = normalise_phone(phones)
            out = self.hash(digits.where(~is_placeholder_phone(digits), None), "tel")
        if names is not None:
            todo = out.isna()
            name = names[todo].astype("string").str.strip().replace("", pd.NA)
            name = name.astype(object).where(name.notna(), None)
            codes, uniques = pd.factorize(name, use_na_sentinel=True)
            generic = np.array([is_generic_name(v) for v in uniques] + [True], dtype=bool)[codes]
            out[todo] = self.hash(name.where(~generic, None), "name")
        return out.astype(object).where(out.notna(), None)


def hash_values(values: pd.Series, secret: bytes, kind: str) -> pd.Series:
    """HMAC-SHA256 (hex, truncated) of each non-missing value, prefixed with `kind` before hashing."""
    return CallerHasher(secret).hash(values, kind)


def caller_keys(phones: pd.Series | None, names: pd.Series | None, secret: bytes) -> pd.Series | None:
    """One key per row: from the phone number where there is one, else from the name; None if neither."""
    return CallerHasher(secret).keys(phones, names)


def mask_phones(text: pd.Series) -> pd.Series:
    """Free text with mobile numbers shown as 138****5678 and landline numbers as 0531-********."""
    s = text.astype("string")
    digits = s.str.contains(r"\d{3}[- ]?\d{4}", regex=True).fillna(False).to_numpy(dtype=bool)
    if digits.any():
        part = s[digits]
        part = part.str.replace(_MOBILE, r"\1****\2", regex=True)
        s[digits] = part.str.replace(_LANDLINE, r"\1-********", regex=True)
    return s.astype(object).where(text.notna(), None)


# --- Who counts as the same caller ---------------------------------------------------------------------------
# A name forms a caller key only when it could tell two residents apart. "张先生" (Mr Zhang), "王女士", "李师傅",
# "市民" or "匿名" is left by thousands of different people: keyed, twenty of them would become one "repeat
# caller" with twenty contacts. Such names never form a key by themselves (a phone number still does).

#: The most common single-character surnames (百家姓 by today's frequency, about 400), for `generic_names`.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛"
    "邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕"
    "楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈"
    "晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉"
    "冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
#: Two-character (compound) surnames: "欧阳先生" is honorific-only, "王伟先生" (a full name) is not.
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕",
    "令狐", "钟离", "端木", "澹台", "百里", "南宫", "西门", "独孤", "呼延", "万俟", "单于", "申屠", "闻人", "太史",
    "东郭", "公冶", "赫连", "濮阳", "淳于", "仲孙", "宗政", "司空", "司寇", "巫马", "公西", "漆雕", "乐正", "公良",
    "拓跋", "夹谷", "宰父", "谷梁", "段干", "第五", "梁丘", "左丘", "东门", "羊舌", "微生", "公羊",
)
#: Forms of address written after a surname (张先生, 李师傅, 王总, 刘工, 陈老).
HONORIFICS = (
    "先生", "女士", "小姐", "太太", "夫人", "师傅", "师父", "老师", "阿姨", "大爷", "大妈", "大姐", "大哥", "大叔",
    "大婶", "大娘", "大伯", "大嫂", "同学", "老人", "老太", "老太太", "老先生", "老大爷", "老奶奶", "老爷子", "奶奶",
    "爷爷", "叔叔", "伯伯", "婶婶", "婶子", "阿婆", "婆婆", "阿伯", "阿叔", "姐姐", "哥哥", "同志", "经理", "老板",
    "主任", "书记", "医生", "大夫", "律师", "会计", "校长", "警官", "队长", "科长", "局长", "村长", "组长", "站长",
    "厂长", "家长", "男士", "小朋友", "姐", "哥", "叔", "姨", "伯", "嫂", "婶", "总", "工", "老",
)
#: People named by what they are, not who: alone or after 热心/匿名/某/一位 (热心市民, 某小区居民).
GENERIC_NOUNS = (
    "市民", "群众", "居民", "村民", "业主", "网友", "网民", "住户", "租户", "用户", "游客", "来电人", "来电者", "来访人",
    "来访者", "反映人", "投诉人", "举报人", "求助人", "咨询人", "诉求人", "当事人", "申请人", "留言人", "留言者",
    "家长", "学生", "患者", "病人", "消费者", "顾客", "客户", "乘客", "司机", "商户", "店主", "职工", "员工", "工人",
    "农民工", "老人", "百姓", "老百姓", "公民", "路人", "好心人", "志愿者", "本人", "人员", "先生", "女士", "小姐",
)
_NOUN_MODIFIERS = ("热心", "匿名", "某", "一位", "一名", "该", "本", "小区", "社区", "本小区", "本村", "附近")
#: Whole entries that name nobody (compared case-insensitively, after trimming punctuation).
GENERIC_WORDS = frozenset({
    "匿名", "未知", "无", "不详", "未详", "暂无", "没有", "空", "无名", "无名氏", "未提供", "未填写", "未填", "未留",
    "未留名", "未留姓名", "不愿透露", "不愿透露姓名", "不愿留名", "保密", "姓名保密", "隐私", "其他", "其它", "测试",
    "某人", "有人", "某某", "来电", "null", "none", "nil", "nan", "n/a", "na", "n.a", "unknown", "anonymous", "anon",
    "unnamed", "no name", "noname", "not given", "not provided", "not available", "unspecified", "test",
    "resident", "residents", "citizen", "caller", "user", "visitor", "tourist", "customer", "guest", "public",
    "member of the public", "person", "neighbor", "neighbour", "owner", "tenant",
})
#: English forms of address: "Mr. Zhang", "Ms Li" (one word after it) name nobody in particular.
ENGLISH_HONORIFICS = ("mr", "mrs", "ms", "miss", "mx", "mister", "madam", "madame", "mme", "sir", "dr", "master",
                      "auntie", "aunt", "uncle", "grandpa", "grandma")
#: Pinyin of common surnames, for `generic_names` ("Mr. Zhang"; the rule itself takes any one word).
PINYIN_SURNAMES = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu",
    "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang", "han", "feng", "deng", "cao",
    "peng", "zeng", "xiao", "tian", "dong", "yuan", "pan", "yu", "jiang", "cai", "du", "ye", "cheng", "su", "wei",
    "lv", "lu", "ding", "ren", "shen", "yao", "cui", "zhong", "tan", "fan", "jin", "shi", "liao", "jia", "xia",
    "fu", "fang", "bai", "zou", "meng", "xiong", "qin", "qiu", "yin", "xue", "yan", "duan", "lei", "hou", "long",
    "tao", "gu", "mao", "hao", "gong", "shao", "wan", "qian", "kong", "xiang", "chang", "wen", "kang", "niu",
    "ge", "an", "qi", "qiao", "pang", "ni", "zhuang", "nie", "yue", "zhai", "guan", "lan", "jiao", "zuo", "gan",
    "bao", "ning", "shu", "mei", "tong", "ling", "bi", "ji", "pei", "huo", "miao", "sheng", "qu", "weng", "ran",
    "ouyang", "situ", "shangguan", "zhuge",
)
_MASKS = "*＊×xX○〇?？"
_PUNCT = " \t\r\n.,;:!?'\"`~-_=+|\\/·•。，、；：！？“”‘’…—－（）()[]【】<>《》{}#@&%^$"
_SEPARATORS = r"[、,，/;；&＆|]+"
_BRACKETS = r"[（(\[【<《]([^）)\]】>》]*)[）)\]】>》]"


def _alternation(words) -> str:
    return "(?:" + "|".join(sorted(set(words), key=len, reverse=True)) + ")"


_HAN = "[\u3400-\u9fff\uf900-\ufaff]"
_SUR = f"(?:{_alternation(COMPOUND_SURNAMES)}|{_HAN})"
_HON = _alternation(HONORIFICS)
_MOD = _alternation(_NOUN_MODIFIERS)
_NOUN = _alternation(GENERIC_NOUNS)
_GENERIC_HAN = re.compile("|".join([
    f"{_MOD}*{_SUR}?某*{_HON}",                      # 张先生, 欧阳女士, 某女士, 张某某先生, 热心王大姐
    f"{_SUR}(?:某+|[{re.escape(_MASKS)}]+)",         # 张某, 张某某, 张*, 张××
    f"[老小阿]?{_SUR}",                              # 张, 老张, 小王, 阿明, 欧阳
    f"{_SUR}姓{_MOD}*(?:{_NOUN}|{_HON})?",           # 张姓, 张姓市民
    f"{_MOD}*{_NOUN}(?:们|朋友)?",                   # 市民, 热心群众, 某小区居民, 业主们
]))
_GENERIC_EN = re.compile(
    rf"(?:{_alternation(ENGLISH_HONORIFICS)})\.?(?: ?[a-z][a-z'’-]*)?"              # Mr. Zhang, Ms Li, Sir
    r"|[a-z]+ ?(?:xiansheng|nvshi|nüshi|xiaojie|shifu|laoshi)"                     # Zhang xiansheng
    r"|(?:a |an |the |local |concerned |anonymous |unknown )?"
    r"(?:resident|citizen|caller|user|visitor|tourist|customer|person|neighbou?r|member of the public)s?")


def _generic_part(part: str) -> bool:
    part = part.strip(_PUNCT)
    if part.rstrip(_MASKS) == "" or not any(c.isalnum() for c in part):
        return True  # empty, punctuation or masks only
    if part.isdigit():
        return len(part) < 4 or len(set(part)) == 1  # "0", "000": placeholders; a long number may be a user id
    folded = " ".join(part.casefold().split())
    if folded in GENERIC_WORDS:
        return True
    if re.search(_HAN, part):
        return _GENERIC_HAN.fullmatch(re.sub(r"\s+", "", part)) is not None
    return _GENERIC_EN.fullmatch(folded.replace(". ", ".")) is not None


def is_generic_name(name) -> bool:
    """Whether a caller name names nobody in particular, so it must not form a caller key by itself.

    Generic: missing, empty, punctuation or masks only ("-", "***"); a placeholder word (匿名, 未知, 无,
    不详, N/A, unknown, anonymous, …); a surname with a form of address and nothing else (张先生, 王女士,
    李师傅, 刘老师, 陈阿姨, 赵大爷, 孙总, 欧阳女士, 某先生, "Mr. Zhang", "Ms Li", "Zhang xiansheng"); a surname
    alone or as a familiar form (张, 老张, 小王, 阿明: 2 characters, 老/小/阿 + one character); a masked name
    (张某, 张某某, 张*, 张**); what the person is rather than who (市民, 群众, 居民, 业主, 来电人, 热心市民,
    网友, 游客, 用户, 张姓市民, resident, caller); a digits-only entry shorter than 4 digits or of one repeated
    digit. A name whose every part (split at 、 , / ; and bracketed remarks) is generic is generic:
    "张先生（业主）", "王女士、李先生".

    Not generic (a key, as before): a full name (张伟, 王秀英, 欧阳修), a full name with a form of address
    (王伟先生), a partly masked full name (张*明), a user id (A00031618), an English full name ("Mr. Zhang
    Wei", "John Smith").
    """
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return True
    text = unicodedata.normalize("NFKC", str(name))
    if " ".join(text.casefold().split()).strip(_PUNCT) in GENERIC_WORDS:  # before splitting "N/A" at the slash
        return True
    text = re.sub(_BRACKETS, lambda m: "、" + m.group(1) + "、", text)
    return all(_generic_part(p) for p in re.split(_SEPARATORS, text))


def is_placeholder_phone(digits: pd.Series) -> pd.Series:
    """Whether normalised phone digits are a placeholder rather than a number: fewer than 7 digits (0, 110,
    12345) or one digit repeated (00000000000). Missing values are False."""
    s = digits.astype("string")
    return ((s.str.len() < 7) | s.str.fullmatch(r"(\d)\1*")).fillna(False).astype(bool)


def generic_names() -> list[str]:
    """The generic names spelled as an export would hold them, for re-keying a store imported before names
    were checked (`rekey_generic`; keys are hashes, so only names listed here can be found): each common
    surname (`SURNAMES`, `COMPOUND_SURNAMES`) with each form of address, masked, alone and as 老/小 + surname;
    the placeholder words and generic nouns with their usual modifiers; English forms of address with common
    pinyin surnames. Every one of them is `is_generic_name`."""
    out: list[str] = []
    for sur in (*SURNAMES, *COMPOUND_SURNAMES):
        out += [sur + h for h in HONORIFICS]
        out += [sur, sur + "某", sur + "某某", sur + "某某某", sur + "*", sur + "**", sur + "***", sur + "×", sur + "××",
                sur + "姓", sur + "某先生", sur + "某女士"]
        out += [sur + "姓" + n for n in ("市民", "群众", "居民", "村民", "业主", "网友")]
        if len(sur) == 1:
            out += ["老" + sur, "小" + sur, "阿" + sur]
    out += ["某" + h for h in HONORIFICS] + list(HONORIFICS)
    for noun in GENERIC_NOUNS:
        out += [noun, noun + "们", noun + "朋友"] + [m + noun for m in _NOUN_MODIFIERS]
    for word in GENERIC_WORDS:
        out += [word, word.upper(), word.title(), word.capitalize()]
    out += ["-", "--", "---", "/", "//", "\\", ".", "..", "...", "。", "?", "？", "*", "**", "***", "x", "xx", "xxx",
            "X", "XX", "XXX", "×", "××", "0", "00", "000", "#", "N/A", "NA", "n.a.", "N.A."]
    for title in ENGLISH_HONORIFICS:
        for form in (title.title(), title.upper(), title):
            out += [form, form + "."]
    for title in ("Mr", "Mrs", "Ms", "Miss", "Madam"):
        for pinyin in PINYIN_SURNAMES:
            for sep in (" ", ". ", "."):
                out.append(title + sep + pinyin.title())
    for pinyin in PINYIN_SURNAMES:
        out += [f"{pinyin.title()} {w}" for w in ("xiansheng", "nvshi", "Xiansheng", "Nvshi")]
    return [name for name in dict.fromkeys(out) if name.strip() == name and name]


def placeholder_phones() -> list[str]:
    """Normalised phone placeholders for `rekey_generic`: every number of 1–4 digits, common service
    numbers of 5–6 digits, and one digit repeated up to 20 times (all `is_placeholder_phone`)."""
    out = [f"{i:0{n}d}" for n in range(1, 5) for i in range(10 ** n)]
    out += ["12345", "12315", "12369", "12319", "12320", "12328", "12333", "12338", "12348", "12351", "12358",
            "12365", "12366", "95598", "96166", "123456"]
    out += [d * n for d in "0123456789" for n in range(5, 21)]
    return list(dict.fromkeys(out))


def generic_keys(secret: bytes) -> set[str]:
    """The caller keys that `generic_names` and `placeholder_phones` hash to under `secret`."""
    hasher = CallerHasher(secret)
    names = hasher.hash(pd.Series(generic_names(), dtype=object), "name")
    phones = hasher.hash(pd.Series(placeholder_phones(), dtype=object), "tel")
    return set(names) | set(phones)


REKEY_CHUNK = 500
#: `store_info` key set by migration 0008 when it could not re-key (no secret reachable then).
REKEY_PENDING = "caller_rekey_pending"


def rekey_generic(engine, secret: bytes | None = None) -> int:
    """Clear the caller keys of a store imported before generic names were checked; returns tickets changed.

    Raw names are not stored, only their keys, so the keys of the generic names an export usually holds
    (`generic_keys`: 张先生/王女士/李师傅… for the ~400 commonest surnames, 匿名, 市民, "Mr. Zhang", placeholder
    phones such as 0 or 12345) are computed with the installation secret and every ticket holding one gets
    no caller key (NULL), as a fresh import would give it; the rollup's repeat contacts are then refreshed
    for the days touched. Idempotent (a second run changes nothing), safe to run at any time, one
    transaction holding the ticket-write lock. A generic name spelled otherwise (an unusual surname or
    form of address, extra spaces) cannot be recognised from its key; re-importing the export fixes those.

    Args:
        engine: the store.
        secret: the caller-hashing secret (default: this installation's, `installation_secret`); with
            no secret file yet, nothing was keyed with it and nothing is done.
    """
    import sqlalchemy as sa

    from civicdesk.store.engine import lock_ticket_writes
    from civicdesk.store.rollup import refresh_days
    from civicdesk.store.schema import store_info, tickets

    if secret is None:
        if not Path(config.secret_path()).exists():
            return 0
        secret = installation_secret()
    keys = sorted(generic_keys(secret))
    changed = 0
    with engine.begin() as conn:
        lock_ticket_writes(conn)
        days = set()
        for i in range(0, len(keys), REKEY_CHUNK):
            hit = tickets.c.caller_key.in_(keys[i:i + REKEY_CHUNK])
            found = conn.execute(sa.select(tickets.c.created_at).where(hit)).scalars().all()
            if found:
                days.update(pd.Timestamp(t).date() for t in found)
                changed += conn.execute(tickets.update().where(hit).values(caller_key=None)).rowcount
        if days:
            refresh_days(conn, days)
        conn.execute(store_info.delete().where(store_info.c.key == REKEY_PENDING))
    return changed

