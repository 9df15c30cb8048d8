"""Web checks: HTTP(S) endpoints, fetched once per URL through the engine's per-host session."""
