"""TLS checks: protocol versions, cipher suites and certificates of TLS endpoints (sslyze)."""
