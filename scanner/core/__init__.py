"""The vocabulary every layer shares: enums, frozen records, errors, text cleaning. No I/O."""
