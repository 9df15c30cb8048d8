"""The inventory: its schema, loading with file:line errors, and path preflight."""
