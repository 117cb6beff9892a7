"""Settings from ``SAXAUL_*`` environment variables (12-factor); read by entrypoints only.

Example: ``SAXAUL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test saxaul serve``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure without touching code."""

    model_config = SettingsConfigDict(env_prefix="SAXAUL_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///./saxaul.db",
        description="SQLAlchemy URL: the embedded SQLite file by default, or postgresql://…",
    )
    packs: str = Field(
        default="",
        description="Active methodology packs, comma-separated id or id@version; empty = every "
        "shipped pack at its latest version.",
    )
    activity_packs: str = Field(
        default="",
        description="Which active pack scores each real-world activity several active packs "
        "measure, comma-separated activity=pack-id, e.g. metro_trip=shenzhen-public-transit-2021 "
        "(one trip earns once). Required for every shared activity when `packs` is set; with "
        "the default packs, it overrides the shipped choices (packs/programme/choices.toml).",
    )
    chunk_rows: int = Field(
        default=500_000,
        ge=1_000,
        le=5_000_000,
        description="Rows per import transaction: larger chunks write fewer awards and cap-usage "
        "rows and resume more coarsely; an import holds three chunks at once (read, scored, "
        "written): peak memory ~0.9 GB plus ~1.2 GB per million rows (1.5 GB at 500,000), "
        "whatever the file's size.",
    )
    import_lease_seconds: int = Field(
        default=300,
        ge=1,
        description="An import whose owner commits no chunk for this long may be taken over by "
        "another run of the same file (one on the same host takes over a dead owner at once); "
        "keep it well above the time one chunk takes.",
    )
    http_max_rows: int = Field(
        default=100_000, ge=1, le=1_000_000, description="Most events in one HTTP bulk request."
    )
    http_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest HTTP bulk request body accepted."
    )
    http_max_json_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        description="Largest body of any other HTTP request; the largest valid one, 10 000 "
        "reversals, takes about 4 MiB.",
    )
    http_max_json_depth: int = Field(
        default=32,
        ge=2,
        le=256,
        description="Deepest nesting of arrays and objects in a JSON body (bulk bodies excepted); "
        "valid bodies nest 2 deep, and the bound keeps every parser far from Python's recursion "
        "limit.",
    )
    host: str = Field(default="127.0.0.1", description="Address `saxaul serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `saxaul serve` binds.")
    jobs: bool = Field(
        default=True,
        description="Whether the server mints and expires energy balls itself (one server per "
        "database does, whichever holds the jobs lock); false when cron or another scheduler "
        "runs `saxaul energy mint` and `saxaul energy expire`.",
    )
    jobs_interval_s: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="Seconds between two runs of the scheduled jobs: how late a new award's "
        "ball may appear, and an expired ball's grams move to the expired account.",
    )
