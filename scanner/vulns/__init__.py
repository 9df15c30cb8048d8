"""Known vulnerabilities: reading feed files (:mod:`.parse`), each ecosystem's version ordering
(:mod:`.versions`), and matching installed packages and product versions (:mod:`.match`)."""
