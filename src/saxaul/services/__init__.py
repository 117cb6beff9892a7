"""Use cases: one function, one transaction; the only code that combines store, scoring and domain."""
