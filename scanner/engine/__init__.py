"""The engine: check registry, plan, executor, and the context a check runs with."""
