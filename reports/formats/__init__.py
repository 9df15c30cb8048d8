"""The output formats, one module each, and the registry that names them.

A new format is one module here (a class implementing :class:`reports.format.Format`, and
:class:`~reports.format.SummaryFormat` or :class:`~reports.format.ClosureFormat` when it renders
those too) and one line in :data:`REGISTRY`. Its order is the order ``--format`` lists them in.
"""

from __future__ import annotations

from reports.format import Format
from reports.formats.csv import Csv
from reports.formats.html import Html
from reports.formats.json import Json
from reports.formats.markdown import Markdown
from reports.formats.pdf import Pdf

#: Every format by its name.
REGISTRY: dict[str, Format] = {
    f.name: f
    for f in (
        Html(),
        Markdown(),
        Pdf(),
        Json(),
        Csv(),
    )
}
