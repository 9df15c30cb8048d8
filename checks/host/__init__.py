"""On-site checks: authenticated audits of hosts over the run's one SSH connection per host."""
