"""Bounded transports: TCP/UDP sockets, the HTTP client, SSH sessions, and rate limits."""
