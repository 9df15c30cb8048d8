"""Tracking: issues across runs (reconciliation, waivers, false positives) and run diffs."""
