"""``python -m scanner.cli``."""

from scanner.cli.main import main

main()
