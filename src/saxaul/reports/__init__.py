"""Read side: analytics queries over stored events and awards (never writes)."""
