"""The scope guard: the one place that decides whether an address, name, URL or range may be
touched."""
