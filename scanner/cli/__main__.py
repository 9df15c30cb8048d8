"""``python -m scanner.cli``."""

from scanner.cli.entry import main

main()
