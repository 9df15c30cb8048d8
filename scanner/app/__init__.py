"""Application services: what the CLI (and the web application and workers) call to run,
verify, issue notices, decide issues, compare runs and manage host keys."""
