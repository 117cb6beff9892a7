"""Data, never code: methodology packs and their JSON Schema (shipped in the wheel)."""
