"""The weekly briefing (周报): built as data (`build_briefing`), rendered to docx, pdf, html and xlsx (`render`).

Modules: `model` (Briefing, Section, Table, Figure), `formatting` (numbers as Chinese documents write them),
`build` (from the store), `render` (`render_each`: every format it can, with the failures) and one module per format.
"""
from civicdesk.briefing.build import EmptyWeekError, build_briefing
from civicdesk.briefing.model import Briefing, Figure, Section, Table
from civicdesk.briefing.render import FORMATS, Rendered, failure_kind, render, render_all, render_each

__all__ = ["FORMATS", "Briefing", "EmptyWeekError", "Figure", "Rendered", "Section", "Table", "build_briefing",
           "failure_kind", "render", "render_all", "render_each"]
