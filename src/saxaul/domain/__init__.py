"""Pure rules and value types: stdlib only, no I/O, no clock, no randomness."""
