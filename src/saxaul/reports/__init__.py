"""Read side: analytics over stored events and awards (never writes the store), and the impact
report's Parquet archive of them."""
