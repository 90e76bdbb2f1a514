"""The weekly briefing (周报): built as data (`build_briefing`), rendered to docx, pdf, html and xlsx (`render`).

Modules: `model` (Briefing, Section, Table, Figure), `formatting` (numbers as Chinese documents write them),
`build` (from the store), `render` and one module per format.
"""
from civicdesk.briefing.build import EmptyWeekError, build_briefing
from civicdesk.briefing.model import Briefing, Figure, Section, Table
from civicdesk.briefing.render import FORMATS, render, render_all

__all__ = ["FORMATS", "Briefing", "EmptyWeekError", "Figure", "Section", "Table", "build_briefing", "render", "render_all"]
