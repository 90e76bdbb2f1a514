"""The shared vocabulary: codes stored in the database and their Chinese and English labels.

Every module (store, synth, ingest, kpi, app, briefing) uses these codes; labels are for display only.
Level-1 categories and street names are stored as the names a centre uses (they are data, not codes);
the `categories` and `streets` tables give their English names and, for categories, how they are handled.
"""
from __future__ import annotations

CHANNELS: dict[str, tuple[str, str]] = {
    "hotline": ("12345热线", "12345 hotline"),
    "grid": ("网格员上报", "Grid patrol report"),
    "app": ("小程序/APP", "App / mini-program"),
    "visit": ("来访", "Walk-in visit"),
    "other": ("其他", "Other"),
}

URGENCIES: dict[str, tuple[str, str]] = {
    "general": ("一般", "General"),
    "urgent": ("紧急", "Urgent"),
    "very_urgent": ("特急", "Very urgent"),
}

CALLBACK_RESULTS: dict[str, tuple[str, str]] = {
    "satisfied": ("满意", "Satisfied"),
    "basically_satisfied": ("基本满意", "Basically satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
    "not_reached": ("未接通", "Not reached"),
}

STATUSES: dict[str, tuple[str, str]] = {
    "received": ("已受理", "Received"),
    "signed": ("已签收", "Signed"),
    "closed": ("已办结", "Closed"),
}

STAFF_ROLES: dict[str, tuple[str, str]] = {
    "grid_worker": ("网格员", "Grid worker"),
    "mediator": ("调解员", "Mediator"),
    "acceptor": ("受理员", "Hotline acceptor"),
    "dispatcher": ("派单员", "Dispatcher"),
}

MEDIATOR_TIERS: dict[str, tuple[str, str]] = {
    "grid": ("网格/楼栋调解", "Building / grid"),
    "community": ("社区和事佬", "Community 和事佬"),
    "street": ("街道调解中心", "Street mediation centre"),
    "district": ("区级会商", "District consultation"),
}

#: How a category's tickets are handled (the `categories` table's `handling`).
CATEGORY_HANDLINGS: dict[str, tuple[str, str]] = {
    "ordinary": ("一般事项", "Ordinary"),
    "dispute": ("矛盾纠纷（调解，30日）", "Dispute (mediation, 30 days)"),
    "key_patrol": ("重点巡查事项", "Key patrol item"),
}

#: Staffing roles and their labels.
ROLES: dict[str, tuple[str, str]] = {
    "grid_worker": ("网格员", "Grid workers"),
    "duty": ("值班（紧急件）", "Duty (urgent tickets)"),
    "mediator": ("调解员", "Mediators"),
    "acceptor": ("受理员", "Hotline acceptors"),
}

#: Where an imported category that no profile maps is stored (its raw value is kept in `category_raw`).
UNMAPPED_CATEGORY = "其他/未映射"
UNMAPPED_CATEGORY_EN = "Other / unmapped"
#: The category the driver model merges rare levels into, and the one a long taxonomy's tail is merged into
#: (the category forecast); `civicdesk.i18n.category_label` names both per language.
RARE_CATEGORIES = "少见类别（合并）"
TAIL_CATEGORIES = "其余类别（合并）"


def label(table: dict[str, tuple[str, str]], code: str | None, lang: str = "zh") -> str:
    """Display label of a code in `lang` ("zh" or "en"); unknown codes are shown as they are."""
    if code is None:
        return ""
    pair = table.get(code)
    if pair is None:
        return str(code)
    return pair[0] if lang == "zh" else pair[1]
