"""Discovery: nmap port scans and the identification of every open port by its own answers."""
