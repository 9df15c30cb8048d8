"""Rendering of the documents the scanner issues (notices, summaries, closure letters, run
diffs) in every output format and language: one module per format behind one interface
(:mod:`reports.format`, :mod:`reports.formats`), templates and catalogs. Entry points:
:mod:`reports.render`."""
