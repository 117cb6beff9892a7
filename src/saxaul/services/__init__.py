"""Use cases: one function, one transaction; the only code combining store, scoring and domain."""
