"""Developer scripts (not installed): the catalog message extractor."""
