"""Storage adapters: tables, migrations, the unit of work, repositories and the bulk writer."""
