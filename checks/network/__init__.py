"""Network service checks: confirmed by a real, read-only protocol exchange."""
