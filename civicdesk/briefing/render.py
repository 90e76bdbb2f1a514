"""`render(briefing, fmt, path)`: write a briefing as docx, pdf, html or xlsx; `render_each` writes several
formats at once and keeps going when one fails (`Rendered`: the files written and the formats that failed)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from civicdesk.briefing.model import Briefing

FORMATS = ("docx", "pdf", "html", "xlsx")


def _docx(briefing: Briefing, path: Path) -> None:
    from civicdesk.briefing.docx import render_docx

    render_docx(briefing, path)


def _pdf(briefing: Briefing, path: Path) -> None:
    from civicdesk.briefing.pdf import render_pdf  # WeasyPrint: a heavy import, only when a PDF is written

    render_pdf(briefing, path)


def _html(briefing: Briefing, path: Path) -> None:
    from civicdesk.briefing.html import render_html

    render_html(briefing, path)


def _xlsx(briefing: Briefing, path: Path) -> None:
    from civicdesk.briefing.xlsx import render_xlsx

    render_xlsx(briefing, path)


#: The writer of each format, ``writer(briefing, path)``; each imports its renderer when first used.
WRITERS: dict[str, Callable[[Briefing, Path], None]] = {"docx": _docx, "pdf": _pdf, "html": _html, "xlsx": _xlsx}

#: Why a format failed, as `failure_kind` names it (the app says each in the user's language).
FAILURE_KINDS = ("write", "other")


@dataclass
class Rendered:
    """What `render_each` made: the path of each format written and the exception of each that failed, both
    in the order the formats were asked for."""

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, Exception] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every format was written."""
        return not self.failed


def failure_kind(exc: BaseException) -> str:
    """Why a format failed, one of `FAILURE_KINDS`: ``"write"`` when the file could not be written (an
    OSError: no permission, a full disk, a folder in the way), ``"other"`` for anything else (a renderer's
    error; its message is English, for the log)."""
    return "write" if isinstance(exc, OSError) else "other"


def render_each(briefing: Briefing, folder: str | Path, formats=FORMATS, stem: str | None = None,
                progress: Callable[[float, str], None] | None = None) -> Rendered:
    """Write ``briefing`` in each of ``formats`` into ``folder`` as ``<stem>.<fmt>`` (two at a time: Word and
    PDF layout overlap); a format that fails is kept with its exception in ``failed`` (the caller logs or
    prints it) and the others are still written.

    ``progress(fraction_done, fmt)`` is called, in the calling thread, as each format finishes.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    formats = list(formats)
    stem = stem or f"briefing-{briefing.week}-{briefing.lang}"
    written: dict[str, Path] = {}
    failed: dict[str, Exception] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(render, briefing, fmt, Path(folder) / f"{stem}.{fmt}"): fmt for fmt in formats}
        for done, future in enumerate(as_completed(futures), 1):
            fmt = futures[future]
            try:
                written[fmt] = future.result()
            except Exception as exc:  # noqa: BLE001 - one format's failure must not lose the others
                failed[fmt] = exc
            if progress is not None:
                progress(done / len(formats), fmt)
    return Rendered(written={f: written[f] for f in formats if f in written},
                    failed={f: failed[f] for f in formats if f in failed})


def render_all(briefing: Briefing, folder: str | Path, formats=FORMATS, stem: str | None = None) -> dict[str, Path]:
    """Write ``briefing`` in several formats into ``folder`` at once (`render_each`); raises the first
    format's exception when any failed (after the others were written)."""
    result = render_each(briefing, folder, formats, stem)
    for exc in result.failed.values():
        raise exc
    return result.written


def render(briefing: Briefing, fmt: str, path: str | Path) -> Path:
    """Write ``briefing`` in ``fmt`` to ``path`` (parent folders are created) and return the path."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[fmt](briefing, path)
    return path
