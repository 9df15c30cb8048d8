"""Notices: risk, rectification notices (numbers, ranked items, deadlines), summaries, and
the legal regimes they cite."""
