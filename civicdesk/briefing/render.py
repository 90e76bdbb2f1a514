"""`render(briefing, fmt, path)`: write a briefing as docx, pdf, html or xlsx; `render_each` writes several
formats at once and keeps going when one fails (`Rendered`: the files written and the formats that failed)."""
from __future__ import annotations

import multiprocessing
import os
import threading
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


def fork_is_safe() -> bool:
    """Whether a forked second process may share the work: two or more cores, a single-threaded caller (the
    command line, a script; not the app's server or a notebook kernel, whose threads a fork would copy
    mid-flight). CIVICDESK_BRIEFING_PROCESSES=0 turns it off."""
    return ((os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1 and os.environ.get("CIVICDESK_BRIEFING_PROCESSES", "1") != "0")


def render_each(briefing: Briefing, folder: str | Path, formats=FORMATS, stem: str | None = None,
                progress: Callable[[float, str], None] | None = None, processes: bool | None = None) -> Rendered:
    """Write ``briefing`` in each of ``formats`` into ``folder`` as ``<stem>.<fmt>``; a format that fails is
    kept with its exception in ``failed`` (the caller logs or prints it) and the others are still written.

    The PDF (WeasyPrint's layout, the longest) is written in a forked second process while this one writes
    the others, where `fork_is_safe` (``processes`` None) or when ``processes`` is True; otherwise two
    formats at a time in threads (Word and PDF layout overlap a little). ``progress(fraction_done, fmt)`` is
    called, in the calling thread, as each format finishes.
    """
    formats = list(formats)
    stem = stem or f"briefing-{briefing.week}-{briefing.lang}"
    paths = {fmt: Path(folder) / f"{stem}.{fmt}" for fmt in formats}
    outcomes: dict[str, Path | Exception] = {}

    def finished(fmt: str, result: Callable[[], Path]) -> None:
        try:
            outcomes[fmt] = result()
        except Exception as exc:  # noqa: BLE001 - one format's failure must not lose the others
            outcomes[fmt] = exc
        if progress is not None:
            progress(len(outcomes) / len(formats), fmt)

    apart = "pdf" in formats and len(formats) > 1 and (fork_is_safe() if processes is None else processes)
    if apart:
        _draw_charts(briefing)  # once, before the fork: both processes find them drawn
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(1, multiprocessing.get_context("fork")) as pool:
            pdf = pool.submit(render, briefing, "pdf", paths["pdf"])
            for fmt in formats:
                if fmt != "pdf":
                    finished(fmt, lambda fmt=fmt: render(briefing, fmt, paths[fmt]))
            finished("pdf", pdf.result)
    else:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {pool.submit(render, briefing, fmt, paths[fmt]): fmt for fmt in formats}
            for future in as_completed(futures):
                finished(futures[future], future.result)
    return Rendered(written={f: r for f in formats if isinstance(r := outcomes[f], Path)},
                    failed={f: r for f in formats if isinstance(r := outcomes[f], Exception)})


def _draw_charts(briefing: Briefing) -> None:
    """Draw the briefing's charts as SVG (HTML and PDF), cached by `figures`."""
    from civicdesk.briefing.figures import figure_svg

    for section in briefing.sections:
        for figure in section.figures:
            figure_svg(figure)


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
