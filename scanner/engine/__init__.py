"""The engine: check registry, the compiled run, plan, executor and job execution, and the
context a check runs with."""
