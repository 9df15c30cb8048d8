"""Tests of each output format module, and of the registry that names them."""
