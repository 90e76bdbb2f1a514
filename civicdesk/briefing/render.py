"""`render(briefing, fmt, path)`: write a briefing as docx, pdf, html or xlsx."""
from __future__ import annotations

from pathlib import Path

from civicdesk.briefing.model import Briefing

FORMATS = ("docx", "pdf", "html", "xlsx")


def render_all(briefing: Briefing, folder: str | Path, formats=FORMATS, stem: str | None = None) -> dict[str, Path]:
    """Write ``briefing`` in several formats into ``folder`` at once (in threads: Word and PDF layout overlap)."""
    from concurrent.futures import ThreadPoolExecutor

    stem = stem or f"briefing-{briefing.week}-{briefing.lang}"
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {fmt: pool.submit(render, briefing, fmt, Path(folder) / f"{stem}.{fmt}") for fmt in formats}
        return {fmt: future.result() for fmt, future in futures.items()}


def render(briefing: Briefing, fmt: str, path: str | Path) -> Path:
    """Write ``briefing`` in ``fmt`` to ``path`` (parent folders are created) and return the path."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "docx":
        from civicdesk.briefing.docx import render_docx as write
    elif fmt == "pdf":
        from civicdesk.briefing.pdf import render_pdf as write
    elif fmt == "html":
        from civicdesk.briefing.html import render_html as write
    else:
        from civicdesk.briefing.xlsx import render_xlsx as write
    write(briefing, path)
    return path
