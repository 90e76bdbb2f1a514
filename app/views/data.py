"""Data: import an export (upload or server path) with a mapping preview; reference data and callback
results (templates, preview, import); the category editor; past imports; data quality.

controls → `civicdesk.ingest.preview` / `import_file` / `import_reference` → render. The view holds no
parsing or SQL.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from civicdesk import charts, config, ingest
from civicdesk.excel import to_csv_bytes
from civicdesk.i18n import field_label, t
from civicdesk.ingest.history import QUALITY_COLUMNS, reason_label
from civicdesk.ingest.normalize import WARNINGS

from civicdesk.access import AccessDenied, current_user
from civicdesk.ingest.refspec import FIELDS as REFERENCE_FIELDS
from civicdesk.store.categories import HANDLINGS, handling_label

import cached

log = logging.getLogger(__name__)
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

REPORT_KEYS = ("rows_read", "inserted", "updated", "unchanged", "quarantined")
ISSUES = QUALITY_COLUMNS[1:]


def save_upload(upload) -> Path:
    """Keep an uploaded file under data/raw/uploads (raw inputs are never edited), named by its hash."""
    data = upload.getvalue()
    folder = config.RAW_DIR / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:12]}-{Path(upload.name).name}"
    if not path.exists():
        path.write_bytes(data)
    return path


def choose_file(lang: str, kind: str | None = None) -> Path | None:
    """An uploaded file (kept under data/raw/uploads) or a path on the server; `kind` names a reference kind."""
    if kind is None:
        upload = st.file_uploader(t("upload", lang), type=["csv", "txt", "tsv", "xlsx", "json"], key="upload",
                                  help=t("upload_help", lang).format(mb=st.get_option("server.maxUploadSize")))
        typed = st.text_input(t("server_path", lang), key="server_path", placeholder="data/raw/工单导出.xlsx")
        st.caption(t("cli_hint", lang))
    else:
        upload = st.file_uploader(t("ref_upload", lang), type=["csv", "txt", "tsv", "xlsx"], key=f"ref-upload-{kind}")
        typed = st.text_input(t("server_path", lang), key=f"ref-path-{kind}")
    if upload is not None:
        return save_upload(upload)
    if typed.strip():
        path = Path(typed.strip()).expanduser()
        if not path.is_file():
            st.error(f"{t('file_missing', lang)}{path}")
            return None
        return path
    return None


def mapping_editor(pv: ingest.Preview, lang: str) -> dict[str, str | None]:
    """An editable field → column table; returns the overrides of the profile's mapping."""
    none = t("not_imported", lang)
    fields = [f for f in ingest.FIELDS if f in pv.profile.columns or f in pv.mapping]
    fields += [f for f in ("source_id", "created_at", "category", "street", "closed_at") if f not in fields]
    table = pd.DataFrame({"field": fields, "label": [field_label(f, lang) for f in fields],
                          "column": [pv.mapping.get(f, none) for f in fields]})
    edited = st.data_editor(
        table, hide_index=True, width="stretch", key=f"mapping-{pv.table.path.name}-{pv.profile.name}",
        disabled=["field", "label"],
        column_config={"field": None, "label": st.column_config.TextColumn(t("field", lang)),
                       "column": st.column_config.SelectboxColumn(t("column", lang),
                                                                  options=[none, *pv.table.headers])})
    return {f: (None if c == none else c) for f, c in zip(edited["field"], edited["column"])
            if pv.mapping.get(f) != (None if c == none else c)}


def render_preview(pv: ingest.Preview, lang: str) -> None:
    st.markdown(f"**{t('raw_preview', lang)}**")
    st.dataframe(ingest.masked_sample(pv).head(10), hide_index=True, width="stretch")
    st.markdown(f"**{t('mapped_preview', lang)}**")
    st.dataframe(ingest.display_tickets(pv.mapped, lang).head(10), hide_index=True, width="stretch")
    if len(pv.quarantined):
        st.markdown(f"**{t('sample_quarantined', lang)}**")
        q = pd.DataFrame({t("row", lang): pv.quarantined["row_number"],
                          t("reasons", lang): pv.quarantined["reasons"].map(
                              lambda s: "；".join(reason_label(c, lang) for c in s.split(";")))})
        st.dataframe(q, hide_index=True, width="stretch")


def render_report(engine, rep: ingest.ImportReport, lang: str) -> None:
    st.success(t("import_done", lang).format(**{k: getattr(rep, k) for k in REPORT_KEYS}))
    for col, key in zip(st.columns(len(REPORT_KEYS)), REPORT_KEYS):
        col.metric(t(key, lang), f"{getattr(rep, key):,}")
    left, right = st.columns(2)
    if rep.reasons:
        left.altair_chart(charts.counts_bar_chart(rep.reasons, t("reasons", lang), lambda c: reason_label(c, lang),
                                                  lang), width="stretch")
    if rep.warnings:
        label = lambda c: WARNINGS.get(c, (c, c))[0 if lang == "zh" else 1]  # noqa: E731
        right.altair_chart(charts.counts_bar_chart(rep.warnings, t("warnings", lang), label, lang), width="stretch")
    if rep.quarantined:
        st.download_button(t("download_quarantine", lang), cached.quarantine_excel(engine, config.db_url(),
                                                                                   rep.batch_id, lang),
                           file_name=f"quarantine-batch{rep.batch_id}.xlsx", key="dl-report",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def run_import(engine, path: Path, profile, source, overrides, lang: str) -> None:
    bar = st.progress(0.0, text=t("start_import", lang))
    rep = ingest.import_file(engine, path, profile=profile, source=source or None, mapping=overrides,
                             progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
    cached.clear()
    st.session_state["import_report"] = rep


def import_tab(engine, lang: str) -> None:
    path = choose_file(lang)
    profiles = cached.profiles()
    names = [None, *profiles]
    profile = st.selectbox(t("profile", lang), names, key="profile",
                           format_func=lambda n: t("auto_profile", lang) if n is None else
                           f"{profiles[n][0 if lang == 'zh' else 1]} ({n})")
    if path is None:
        return
    try:
        pv = ingest.preview(path, profile=profile)
        st.info(f"{t('detected', lang)}：{pv.table.format.upper()}"
                f"{' · ' + pv.table.encoding if pv.table.encoding else ''} · {pv.profile.display_label(lang)}")
        rep = st.session_state.get("import_report")
        done = rep is not None and rep.file_name == path.name
        if done:
            render_report(engine, rep, lang)
        with st.expander(t("mapping_and_preview", lang), expanded=not done):
            if pv.proposed:  # no profile knew these headers: the mapping below is a proposal to check
                content = [field_label(f, lang) for f, how in pv.basis.items() if how == "content"]
                st.warning(t("guess_proposed", lang) + (t("guess_from_content", lang).format(
                    fields=("、" if lang == "zh" else ", ").join(content)) if content else ""))
            overrides = mapping_editor(pv, lang)
            if overrides:
                pv = ingest.preview(path, profile=pv.profile.name, mapping=overrides)
            source = st.text_input(t("source", lang), value=pv.profile.source, key="source")
            render_preview(pv, lang)
        if st.button(t("start_import", lang), type="primary", key="start_import"):
            run_import(engine, path, pv.profile.name, source, overrides, lang)
            st.rerun()
    except (ingest.NotATableError, ingest.ProfileError) as exc:
        st.error(import_error(exc, lang))


def import_error(exc: Exception, lang: str) -> str:
    """A ticket file's refusal in the user's language: the library's sentences are English, so the Chinese UI
    says what it can in Chinese (the original is logged)."""
    from civicdesk.ingest.guess import ProposalError

    log.info("ticket file refused: %s", exc)
    if isinstance(exc, ProposalError):
        return t("import_error", lang) + t(exc.key, lang).format(**exc.params)
    if lang == "en":
        return f"{t('import_error', lang)}{exc}"
    return t("ref_not_a_table", lang) if isinstance(exc, ingest.NotATableError) else t("import_profile_error", lang)


def batches_tab(engine, lang: str) -> None:
    past = cached.import_batches(engine, config.db_url())
    if past.empty:
        st.info(t("no_batches", lang))
        return
    table = past[["batch_id", "file_name", "sha256", "finished_at", "profile", "source", *REPORT_KEYS]].copy()
    table["sha256"] = table["sha256"].str[:16]
    names = {"batch_id": t("batch", lang), "file_name": t("file_name", lang), "finished_at": t("finished_at", lang),
             "profile": t("profile", lang), "source": t("source", lang), **{k: t(k, lang) for k in REPORT_KEYS}}
    st.dataframe(table.rename(columns=names), hide_index=True, width="stretch")
    with_q = past[past["quarantined"] > 0]
    if len(with_q):
        batch = st.selectbox(t("batch", lang), with_q["batch_id"].tolist(), key="quarantine_batch",
                             format_func=lambda b: f"#{b} · {past.set_index('batch_id').loc[b, 'file_name']}")
        st.download_button(t("download_quarantine", lang),
                           cached.quarantine_excel(engine, config.db_url(), int(batch), lang),
                           file_name=f"quarantine-batch{batch}.xlsx", key="dl-batch",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def quality_tab(engine, lang: str) -> None:
    summary = cached.quality_summary(engine, config.db_url())
    if summary.empty:
        st.info(t("empty_store", lang))
        return
    left, right = st.columns(2)
    left.altair_chart(charts.monthly_rows_chart(summary, lang), width="stretch")
    right.altair_chart(charts.monthly_issues_chart(summary, ISSUES, lang), width="stretch")
    table = summary.rename(columns={"source": t("source", lang), "month": t("month", lang),
                                    **{k: t(k, lang) for k in QUALITY_COLUMNS}})
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(t("download_csv", lang), to_csv_bytes(table),
                       file_name="data-quality.csv", mime="text/csv", key="dl-quality")
    unknown_streets_part(engine, lang)


def unknown_streets_part(engine, lang: str) -> None:
    """Streets the tickets name that the streets table lacks, with their ticket counts."""
    st.subheader(t("unknown_streets_title", lang))
    missing = cached.unknown_streets(engine, config.db_url())
    if missing.empty:
        st.caption(t("unknown_streets_none", lang))
        return
    st.warning(t("unknown_streets_hint", lang))
    st.dataframe(missing.rename(columns={c: t(f"us_{c}", lang) for c in missing.columns}), hide_index=True,
                 width="stretch")


def reference_error(exc: Exception, lang: str) -> str:
    """A reference file's problem in the user's language (the library's English sentence is logged)."""
    log.info("reference file refused: %s", exc)
    if isinstance(exc, ingest.ReferenceFileError) and exc.code == "missing_columns":
        return t("ref_missing_columns", lang).format(fields=exc.params["fields_zh" if lang == "zh" else "fields_en"])
    return t("ref_not_a_table", lang)


def reference_preview(pv: ingest.ReferencePreview, lang: str) -> None:
    """The columns recognised, the first rows and the reasons any of them would be quarantined."""
    specs = {f.name: (f.zh if lang == "zh" else f.en) for f in REFERENCE_FIELDS[pv.kind]}
    st.markdown(f"**{t('ref_columns', lang)}**")
    st.dataframe(pd.DataFrame({t("ref_field", lang): [specs[f] for f in pv.mapping],
                               t("ref_column", lang): list(pv.mapping.values())}), hide_index=True)
    st.markdown(f"**{t('ref_first_rows', lang)}**")
    st.dataframe(pv.sample.head(10), hide_index=True, width="stretch")
    if len(pv.quarantined):
        st.markdown(f"**{t('sample_quarantined', lang)}**")
        st.dataframe(pd.DataFrame({t("row", lang): pv.quarantined["row_number"],
                                   t("reasons", lang): pv.quarantined["reasons"].map(
                                       lambda s: "；".join(reason_label(c, lang) for c in s.split(";")))}),
                     hide_index=True, width="stretch")
    else:
        st.caption(t("ref_sample_ok", lang))


def run_reference_import(engine, kind: str, path: Path, lang: str) -> None:
    bar = st.progress(0.0, text=t("start_import", lang))
    try:
        rep = ingest.import_reference(engine, kind, path, progress=lambda f, m: bar.progress(
            min(max(f, 0.0), 1.0), text=t("start_import", lang)))
    except (ingest.NotATableError, ingest.ReferenceFileError) as exc:
        st.error(reference_error(exc, lang))
        return
    except AccessDenied:
        st.error(t("needs_role", lang).format(role=t("role_analyst", lang)))
        return
    except Exception:  # noqa: BLE001 - the transaction rolled back; say so in the user's language
        log.exception("reference import of %s failed", path)
        st.error(t("ref_failed", lang))
        return
    cached.clear()
    st.session_state["ref_report"] = (kind, rep)
    st.rerun()


def reference_tab(engine, lang: str) -> None:
    """Per kind: templates in the UI's language, a file, its preview, the import and its report."""
    kinds = ingest.REFERENCE_KINDS
    kind = st.radio(t("ref_kind", lang), kinds, format_func=lambda k: t(f"ref_kind_{k}", lang), horizontal=True,
                    key="ref_kind")
    st.caption(t(f"ref_about_{kind}", lang) + " " + t("ref_blank_cells", lang))
    for col, fmt in zip(st.columns(2), ("xlsx", "csv")):
        col.download_button(t(f"ref_template_{fmt}", lang), ingest.template(kind, lang, fmt),
                            file_name=ingest.template_name(kind, lang, fmt), mime=MIME[fmt], key=f"tpl-{kind}-{fmt}")
    path = choose_file(lang, kind)
    if path is None:
        return
    done = st.session_state.get("ref_report")
    if done is not None and done[0] == kind and done[1].file_name == path.name:
        render_report(engine, done[1], lang)
    try:
        pv = ingest.preview_reference(engine, kind, path)
    except (ingest.NotATableError, ingest.ReferenceFileError) as exc:
        st.error(reference_error(exc, lang))
        return
    with st.expander(t("mapping_and_preview", lang), expanded=done is None or done[0] != kind):
        reference_preview(pv, lang)
    if st.button(t("start_import", lang), type="primary", key=f"ref-import-{kind}"):
        run_reference_import(engine, kind, path, lang)


def reference_section(engine, lang: str) -> None:
    """Reference data and callbacks, then the streets' boundaries."""
    reference_tab(engine, lang)
    boundaries_part(engine, lang)


def boundaries_part(engine, lang: str) -> None:
    """Street boundaries from a GeoJSON file: which features match a street and which do not (with the
    reason), then saved with `civicdesk.geo.save_boundaries`."""
    from civicdesk import geo

    st.divider()
    st.subheader(t("geo_section", lang))
    st.caption(t("geo_intro", lang))
    if "geo_saved" in st.session_state:
        st.success(t("geo_saved", lang).format(n=st.session_state.pop("geo_saved")))
    upload = st.file_uploader(t("geo_upload", lang), type=["geojson", "json"], key="geo-upload")
    prop = st.text_input(t("geo_name_property", lang), key="geo-property").strip() or None
    if upload is None:
        return
    try:
        match = geo.read_geojson(upload.getvalue().decode("utf-8-sig"), geo.known_streets(engine), prop)
    except (geo.GeoJSONError, UnicodeDecodeError) as exc:
        log.info("boundary file refused: %s", exc)
        reason = t(exc.key if isinstance(exc, geo.GeoJSONError) else "geo_not_json", lang)
        st.error(t("geo_cannot_read", lang).format(file=upload.name, reason=reason))
        return
    if match.matched:
        names = t("list_sep", lang).join(street_label_of(engine, n, lang) for n in match.matched)
        st.info(t("geo_matched", lang).format(n=len(match.matched), names=names))
    else:
        st.warning(t("geo_saved_none", lang))
    if match.name_property:
        st.caption(t("geo_property", lang).format(prop=match.name_property))
    if match.unmatched:
        st.markdown(t("geo_unmatched", lang).format(n=len(match.unmatched)))
        rows = match.unmatched
        st.dataframe(pd.DataFrame({t("geo_column_feature", lang): [i + 1 for i, _, _ in rows],
                                   t("geo_column_name", lang): [n or t("geo_unnamed", lang) for _, n, _ in rows],
                                   t("geo_column_reason", lang): [t(r, lang) for _, _, r in rows]}),
                     hide_index=True, width="stretch")
    if match.matched and st.button(t("geo_save", lang), type="primary", key="geo-save"):
        try:
            saved = geo.save_boundaries(engine, match.matched, file_name=upload.name)
        except AccessDenied:
            st.error(t("needs_role", lang).format(role=t("role_analyst", lang)))
            return
        cached.clear()
        st.session_state["geo_saved"] = saved
        st.rerun()


def street_label_of(engine, name: str, lang: str) -> str:
    """A street's name as shown in `lang` (its English name from the streets table in English)."""
    from civicdesk.i18n import street_label

    return street_label(name, lang, cached.english_names(engine, config.db_url()) if lang == "en" else None)


def categories_tab(engine, lang: str) -> None:
    """The centre's category tree; English names and handling editable by those who may import."""
    st.caption(t("cat_intro", lang))
    table = cached.category_table(engine, config.db_url())
    if table.empty:
        st.info(t("cat_empty", lang))
        return
    top = int(((table["level2"] == "") & (table["level3"] == "")).sum())
    st.caption(t("cat_count", lang).format(n=len(table), top=top))
    if "cat_saved" in st.session_state:
        n = st.session_state.pop("cat_saved")
        st.success(t("cat_saved", lang).format(n=n) if n else t("cat_unchanged", lang))
    labels = {code: handling_label(code, lang) for code in HANDLINGS}
    shown = table.assign(name_en=table["name_en"].fillna(""),  # an empty cell, not the word "None"
                         handling=table["handling"].map(labels),
                         origin=table["origin"].map(lambda o: t(f"cat_origin_{o}", lang)))
    can = current_user().can("import")
    columns = {c: st.column_config.TextColumn(t(f"cat_{c}", lang)) for c in ("level1", "level2", "level3", "origin")}
    columns["name_en"] = st.column_config.TextColumn(t("cat_name_en", lang), max_chars=128)
    columns["handling"] = st.column_config.SelectboxColumn(t("cat_handling", lang), options=list(labels.values()),
                                                           required=True)
    version = st.session_state.get("cat_version", 0)
    edited = st.data_editor(shown, hide_index=True, width="stretch", key=f"cat-editor-{version}-{lang}",
                            column_config=columns, disabled=True if not can else ["level1", "level2", "level3", "origin"])
    if not can:
        st.info(t("cat_read_only", lang).format(role=t("role_analyst", lang)))
        return
    if st.button(t("cat_save", lang), type="primary", key="cat-save"):
        codes_of = {label: code for code, label in labels.items()}
        saved = ingest.save_category_edits(engine, edited.assign(handling=edited["handling"].map(codes_of)))
        cached.clear()
        st.session_state["cat_saved"] = saved
        st.session_state["cat_version"] = version + 1
        st.rerun()


SECTIONS = ("import_tab", "reference_tab", "categories_tab", "batches_tab", "quality_tab")


def audit_tab(engine, lang: str) -> None:
    """The audit log: who imported, saved, deleted or exported what, and when (admins only)."""
    from civicdesk.accounts import audit_entries

    st.dataframe(audit_entries(engine), hide_index=True, width="stretch")


def page() -> None:
    engine = cached.current_engine()
    lang = st.session_state.get("lang", "zh")
    st.title(t("data", lang))
    user = current_user()
    sections = [s for s in SECTIONS if s not in ("import_tab", "reference_tab") or user.can("import")]
    if user.can("read_audit"):
        sections.append("audit_tab")
    if not user.can("import"):
        st.info(t("needs_role", lang).format(role=t("role_analyst", lang)) + " " + t("import_tab", lang))
    # One section at a time: charts size correctly and the store-wide quality scan runs only when asked for.
    section = st.radio(t("section", lang), sections, format_func=lambda k: t(k, lang), horizontal=True,
                       key="data_section", label_visibility="collapsed")
    {"import_tab": import_tab, "reference_tab": reference_section, "categories_tab": categories_tab,
     "batches_tab": batches_tab, "quality_tab": quality_tab, "audit_tab": audit_tab}[section](engine, lang)


page()
