"""What a reference-data or callback file holds: its kinds, fields, header synonyms and value vocabularies.

Kinds: `streets`, `grids`, `roster` (the staff table), `categories` and `callbacks` (回访记录). Each kind is a
tuple of `RefField`s: the field's name, its template headers in Chinese and English, further header
synonyms (Chinese and English) and whether a file must have it. Headers are compared without case, spaces,
underscores, hyphens and brackets, so "Grid ID", "grid_id" and "网格编号（必填）" all match.

The quarantine reasons and warnings of reference and callback files are labelled with the ticket importer's
in `civicdesk.ingest.normalize.REASONS` / `WARNINGS`, so that `civicdesk.ingest.history.reason_label` names
them in both languages. Callback results are read with the words a ticket export's are (the codes' labels and
the shipped profiles' `[values.callback_result]`), plus the synonyms of `CALLBACK_SYNONYMS`.
"""
from __future__ import annotations

from dataclasses import dataclass

from civicdesk import codes
from civicdesk.ingest.guess import header_key
from civicdesk.ingest.normalize import value_words
from civicdesk.ingest.profiles import SHIPPED_DIR, load_profile_file
from civicdesk.store.categories import HANDLINGS

#: Kinds whose rows go to a reference table (callbacks go onto stored tickets).
REFERENCE_KINDS = ("streets", "grids", "roster", "categories")
KINDS = (*REFERENCE_KINDS, "callbacks")


@dataclass(frozen=True)
class RefField:
    """One column of a reference file.

    Attributes:
        name: the field (a column of the target table, or a lookup such as `street`).
        zh: header of the Chinese template.
        en: header of the English template.
        synonyms: further headers recognised (any language).
        required: a file without a column for it is refused.
    """

    name: str
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


FIELDS: dict[str, tuple[RefField, ...]] = {
    "streets": (
        RefField("name", "镇街名称", "Street name", ("镇街", "街道", "街道名称", "乡镇街道", "名称", "street",
                                                   "name", "subdistrict", "town"), True),
        RefField("code", "镇街编码", "Code", ("编码", "代码", "区划代码", "street code")),
        RefField("name_en", "英文名称", "English name", ("英文名", "name en", "name in english")),
        RefField("kind", "类型", "Kind", ("镇街类型", "type", "street kind")),
        RefField("households", "户数", "Households", ("住户数", "户籍户数", "number of households")),
        RefField("boundary", "边界（GeoJSON）", "Boundary (GeoJSON)", ("边界", "geojson", "boundary")),
    ),
    "grids": (
        RefField("grid_id", "网格编号", "Grid id", ("网格编码", "网格代码", "网格id", "grid code", "grid"), True),
        RefField("street", "所属镇街", "Street", ("镇街", "所属街道", "街道", "street name"), True),
        RefField("name", "网格名称", "Grid name", ("名称", "name")),
        RefField("community", "所属社区", "Community", ("社区", "社区/村", "村居", "village")),
        RefField("households", "户数", "Households", ("住户数", "number of households")),
    ),
    "roster": (
        RefField("staff_id", "人员编号", "Staff id", ("工号", "编号", "employee id", "id"), True),
        RefField("name", "姓名", "Name", ("名字", "staff name")),
        RefField("role", "岗位", "Role", ("角色", "职务", "人员类型", "position", "job"), True),
        RefField("street", "所属镇街", "Street", ("镇街", "所属街道", "街道")),
        RefField("grid_id", "所属网格", "Grid id", ("网格编号", "网格", "grid")),
        RefField("tier", "调解层级", "Mediation tier", ("层级", "级别", "tier", "level")),
        RefField("active_from", "到岗日期", "Active from", ("入职日期", "上岗日期", "开始日期", "start date", "from")),
        RefField("active_to", "离岗日期", "Active to", ("离职日期", "结束日期", "截止日期", "end date", "to")),
    ),
    "categories": (
        RefField("level1", "一级分类", "Level 1", ("一级类别", "大类", "category", "category level 1"), True),
        RefField("level2", "二级分类", "Level 2", ("二级类别", "小类", "subcategory", "category level 2")),
        RefField("level3", "三级分类", "Level 3", ("三级类别", "category level 3")),
        RefField("name_en", "英文名称", "English name", ("英文名", "name en", "name in english")),
        RefField("handling", "处置方式", "Handling", ("办理方式", "处理方式", "类型", "type")),
    ),
    "callbacks": (
        RefField("ticket_id", "工单编号", "Ticket id", ("工单号", "编号", "ticket no", "ticket number", "source id",
                                                      "service request id", "sr number", "id"), True),
        RefField("callback_at", "回访时间", "Callback time", ("回访日期", "callback at", "callback date",
                                                           "called back at")),
        RefField("callback_result", "回访结果", "Callback result", ("满意度", "回访满意度", "评价结果", "result",
                                                                 "satisfaction", "callback")),
        RefField("source", "数据来源", "Source", ("来源", "来源系统", "source system")),
    ),
}

#: Street kinds as stored, with what a file may write for them.
STREET_KINDS = {"街道": ("街道", "subdistrict", "street", "jiedao"), "镇": ("镇", "town", "zhen"),
                "乡": ("乡", "township", "xiang")}
#: What a file may write for each category handling (besides the codes and `HANDLINGS` labels).
HANDLING_SYNONYMS = {
    "ordinary": ("一般", "普通", "一般事项", "常规", "一般诉求", "general", "normal", "regular"),
    "dispute": ("矛盾纠纷", "纠纷", "调解", "矛盾纠纷/调解", "矛盾纠纷（调解）", "矛盾纠纷化解", "dispute",
                "disputes", "mediation"),
    "key_patrol": ("重点巡查", "重点巡查事项", "巡查", "key patrol", "key patrol item", "patrol"),
}
ROLE_SYNONYMS = {
    "grid_worker": ("专职网格员", "网格管理员", "grid worker", "gridworker", "grid staff"),
    "mediator": ("人民调解员", "调解员", "和事佬", "mediator"),
    "acceptor": ("话务员", "接线员", "坐席", "受理员", "hotline acceptor", "call taker", "agent", "operator"),
    "dispatcher": ("派单员", "调度员", "dispatcher"),
}
TIER_SYNONYMS = {
    "grid": ("网格", "楼栋", "网格调解", "楼栋调解", "building", "grid"),
    "community": ("社区", "和事佬", "社区调解", "村居", "community"),
    "street": ("街道", "镇街", "街道调解", "镇街调解中心", "street", "subdistrict", "town"),
    "district": ("区", "区级", "区县", "区级调解", "district"),
}
#: Callback-result words beyond those a ticket export is read with (`normalize.value_words`), which win.
CALLBACK_SYNONYMS = {
    "satisfied": ("很满意", "very satisfied"),
    "basically_satisfied": ("较满意", "一般满意", "fairly satisfied", "somewhat satisfied"),
    "unsatisfied": ("很不满意", "dissatisfied", "not satisfied", "very dissatisfied", "very unsatisfied"),
    "not_reached": ("无人接听", "未联系上", "拒接", "关机", "空号", "no answer", "unreachable",
                    "could not reach"),
}


class ReferenceFileError(ValueError):
    """A reference or callback file that cannot be imported as a whole.

    Attributes:
        code: what is wrong ("unknown_kind", "missing_columns", "empty"), for a message in the user's language.
        params: the details (e.g. {"fields": "level1"}), for the same message.
    """

    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code, self.params = code, params


def check_kind(kind: str) -> str:
    """`kind` itself if known; raises ReferenceFileError("unknown_kind") otherwise."""
    if kind not in KINDS:
        raise ReferenceFileError("unknown_kind", f"Unknown kind '{kind}'; kinds are {', '.join(KINDS)}.",
                                 kind=kind, kinds=", ".join(KINDS))
    return kind


def match_headers(kind: str, headers) -> dict[str, str]:
    """The field → header mapping of a file of `kind` with these headers.

    Each field takes the first header matching its template headers or synonyms, in the order given;
    a header serves one field at most.

    Raises:
        ReferenceFileError: unknown kind, or no header for a required field ("missing_columns").
    """
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for spec in FIELDS[check_kind(kind)]:
        for word in (spec.zh, spec.en, spec.name, *spec.synonyms):
            header = by_key.get(header_key(word))
            if header is not None and header not in used:
                mapping[spec.name] = header
                used.add(header)
                break
    missing = [f for f in FIELDS[kind] if f.required and f.name not in mapping]
    if missing:
        raise ReferenceFileError(
            "missing_columns", f"The file has no column for {', '.join(f.en for f in missing)} "
            f"(headers such as {' / '.join(f'{f.zh}, {f.en}' for f in missing)}); it has: "
            f"{', '.join(list(headers)[:12])}.",
            fields_zh="、".join(f.zh for f in missing), fields_en=", ".join(f.en for f in missing))
    return mapping


def vocabulary(table: dict[str, tuple[str, str]] | None, synonyms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """casefolded word → code: each code, its zh/en labels (from `table`) and its synonyms."""
    out: dict[str, str] = {}
    for code, words in synonyms.items():
        labels = (table or {}).get(code, ())
        for word in (code, code.replace("_", " "), *labels, *words):
            out.setdefault(header_key(word), code)
    return out


ROLE_WORDS = vocabulary(codes.STAFF_ROLES, ROLE_SYNONYMS)
TIER_WORDS = vocabulary(codes.MEDIATOR_TIERS, TIER_SYNONYMS)
HANDLING_WORDS = vocabulary(HANDLINGS, HANDLING_SYNONYMS)


def _callback_words() -> dict[str, str]:
    """Callback-result word (as `header_key` compares it) → code: a ticket export's words, then the synonyms."""
    shipped = [load_profile_file(path) for path in sorted(SHIPPED_DIR.glob("*.toml"))]
    out = {header_key(word): code for word, code in value_words("callback_result", shipped).items()}
    for word, code in vocabulary(None, CALLBACK_SYNONYMS).items():
        out.setdefault(word, code)
    return out


CALLBACK_WORDS = _callback_words()
KIND_WORDS = vocabulary(None, STREET_KINDS)

