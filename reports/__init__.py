"""Report templates and translation catalogs for notices and campaign summaries."""
