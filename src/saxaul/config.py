"""Settings from ``SAXAUL_*`` environment variables (12-factor); read by entrypoints only.

Example: ``SAXAUL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test saxaul serve``.
"""

from __future__ import annotations

import ipaddress

from limits import parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from saxaul.domain.webhooks import DEFAULT_POLICY, Network, WebhookPolicy


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
        "whatever the file's size. The impact report and the archive export read their inputs "
        "in chunks of this many rows too.",
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
    stream_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="The NATS server whose JetStream `saxaul ingest stream` consumes and "
        "`saxaul events publish` publishes to.",
    )
    stream_name: str = Field(
        default="SAXAUL_EVENTS",
        description="The JetStream stream of live events; created (file storage) when absent.",
    )
    stream_subject: str = Field(
        default="events.>",
        description="Subjects the stream holds and the consumer reads (`events.>`: every "
        "subject under `events.`).",
    )
    stream_durable: str = Field(
        default="saxaul-ingest",
        description="The durable pull consumer's name: its position survives restarts.",
    )
    stream_batch: int = Field(
        default=1_000,
        ge=1,
        le=100_000,
        description="Messages per fetch (each may carry many events, one a line), imported in "
        "one transaction and then acknowledged: the consumer's back-pressure (at most this many "
        "held at once).",
    )
    stream_fetch_wait_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How long one fetch waits for a full batch before importing what came.",
    )
    stream_ack_wait_seconds: float = Field(
        default=60.0,
        ge=1,
        description="A delivered message not acknowledged within this is delivered again "
        "(JetStream `ack_wait`, its default 30 s); keep it well above one batch's import time. "
        "A killed consumer's batch comes back after it.",
    )
    stream_max_message_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="A larger message is quarantined unread (`malformed_row`); a valid event "
        "is under 5 KiB (its text fields are bounded; attributes to 4096 characters), a typical "
        "one ~250 bytes, so 100 events a message fit; `saxaul events publish` packs within it.",
    )
    stream_duplicate_window_seconds: float = Field(
        default=120.0,
        ge=1,
        description="JetStream's own deduplication window for the `Nats-Msg-Id` header when "
        "the stream is created (JetStream's default: 2 minutes); the import deduplicates by "
        "(source, event_id) forever in any case.",
    )
    stream_max_deliver: int = Field(
        default=5,
        ge=1,
        le=1_000,
        description="A message whose import itself fails (not a bad row: the transaction "
        "raises) on this many deliveries is quarantined `dead_letter` with the error and "
        "terminated, so it stops holding the stream up; until then it is delivered again "
        "after `stream_ack_wait_seconds`.",
    )
    serve_stream: bool = Field(
        default=False,
        description="Whether `saxaul serve` consumes the stream too (`stream_*` settings), in "
        "the one server process per database that holds the stream lock; the others stand by "
        "and one takes over when it stops.",
    )
    stream_retry_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="How long the server's stream consumer waits before trying again after a "
        "failure (NATS or the database out of reach), and between two checks of the stream "
        "lock while another server process holds it.",
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
    group_commit_window_ms: float = Field(
        default=0.0,
        ge=0.0,
        le=100.0,
        description="How long the first game move request of an idle server waits for others to "
        "share its transaction. 0 plays it at once; under load, requests that arrive while a "
        "batch is being played share the next one anyway.",
    )
    group_commit_max_moves: int = Field(
        default=256,
        ge=1,
        le=10_000,
        description="Most game move requests played in one transaction (group commit): bounds "
        "the locks one transaction holds and how long a request waits behind a batch.",
    )
    group_commit_batches: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Batches of game moves one server process plays at once. By default 1 on "
        "SQLite (one writer at a time anyway) and 2 on PostgreSQL, where a batch is played "
        "while others wait for their commits.",
    )
    auth_cache_s: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="Seconds a process trusts a participant token or operator key it has just "
        "checked without reading the database again. A token ended by logout, or a key revoked, "
        "in this process is refused at once; one ended in another process (another worker, the "
        "CLI) is refused at most this long after. 0 reads the database on every request.",
    )
    auth_cache_entries: int = Field(
        default=10_000,
        ge=1,
        description="Most tokens and keys each process remembers (only valid ones are kept; the "
        "oldest are forgotten first).",
    )
    rate_limits: bool = Field(
        default=True,
        description="Whether the API limits request rates (the `rate_limit_*` and `sign_in_*` "
        "settings). False for load tests and fuzzing, or where a proxy in front limits them.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where the request counters live: `memory://` in each server process (with "
        "N workers a caller may make N times the limit), or `redis://HOST:PORT/DB` (`rediss://` "
        "for TLS), shared by every process of the instance.",
    )
    rate_limit_participant: str = Field(
        default="120/minute;3000/hour",
        description="Requests one participant may make (all their tokens together), in `limits` "
        "notation: `N/second|minute|hour|day`, `;` between several; empty: no limit. A person "
        "tapping through the app makes a few a minute.",
    )
    rate_limit_partner: str = Field(
        default="600/minute",
        description="Requests one partner key may make (a partner's backend, batching as it "
        "pleases); same notation.",
    )
    rate_limit_operator: str = Field(
        default="3000/minute",
        description="Requests one operator key may make: an app backend issuing tokens for its "
        "signed-in users is one key for all of them; same notation.",
    )
    rate_limit_bulk: str = Field(
        default="60/minute",
        description="Bulk event uploads (`POST /v1/events`, a scenario's sandbox and events) one "
        "key may send, counted by requests on top of the key's own limit; each carries up to "
        "`http_max_rows` rows.",
    )
    rate_limit_public: str = Field(
        default="300/minute",
        description="Requests to routes without credentials (`/healthz`, the certificates' public "
        "key, share links) from one client address.",
    )
    sign_in_per_address: str = Field(
        default="20/minute;500/day",
        description="Sign-in attempts (`POST /v1/auth/login`, and sign-ups `POST /v1/partners`) "
        "from one client address, counted whether the password was right or not. Generous, "
        "since one address may be a whole office or carrier NAT; the per-account limit is the "
        "tight one. OWASP ASVS v4 2.2.1 and the OWASP Authentication Cheat Sheet (login "
        "throttling).",
    )
    sign_in_per_account: str = Field(
        default="5/minute;50/day",
        description="Sign-in attempts naming one account (the user id; the partner id of a "
        "sign-up), from any address, right or wrong, known account or not, so a limit never "
        "tells whether an account exists. OWASP ASVS v4 2.2.1 asks for no more than 100 failed "
        "attempts per hour on one account; the OWASP Authentication Cheat Sheet for throttling "
        "per account rather than locking it. The daily cap bounds a slow guesser spreading over "
        "many addresses.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Addresses of reverse proxies whose `X-Forwarded-For` and "
        "`X-Forwarded-Proto` `saxaul serve` believes (uvicorn's `--forwarded-allow-ips`: "
        "comma-separated IPs or networks, `*` for any): the client address rate limits count is "
        "then the proxy's client. Empty: nobody's, the address is the TCP peer.",
    )
    host: str = Field(default="127.0.0.1", description="Address `saxaul serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `saxaul serve` binds.")
    workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Server processes `saxaul serve` starts. By default one per CPU core on "
        "PostgreSQL (one Python process uses one core), and 1 on SQLite (one writer at a "
        "time anyway, and one process queues its writers fairly where several would contend "
        "in SQLite's busy handler). The scheduled jobs run in one of them only.",
    )
    access_log: bool = Field(
        default=True,
        description="Whether `saxaul serve` logs a line per request. Off, a server answers "
        "about 10-20 % more small requests (measured on 2 cores); a reverse proxy in front "
        "usually logs them anyway.",
    )
    signing_key_file: str = Field(
        default="./saxaul-signing-key.pem",
        description="The instance's Ed25519 key (PEM, created on first use with mode 0600): it "
        "signs tree certificates and webhook secrets are derived from it. Every process of one "
        "instance must read the same file; back it up, and never publish it.",
    )
    projects: str = Field(
        default="projects@1.0.0",
        description="The default projects catalogue bootstrap seeds (id@version of "
        "packs/catalogue/projects): its partners, approved, and their open live projects, "
        "added once if absent. Empty seeds none, and then no tree can be planted until a "
        "partner opens a project for its species.",
    )
    tree_waiting_list: bool = Field(
        default=False,
        description="Whether a tree no project has room for is accepted as waiting (allocated "
        "by the scheduled job or `saxaul trees allocate` once a project has room) instead of "
        "refused with `no_capacity`.",
    )
    report_min_cell: int = Field(
        default=10,
        ge=2,
        le=1_000_000,
        description="The impact report's privacy threshold k: a published cell counting 1 to "
        "k-1 participants is suppressed or merged (docs/impact-report.md).",
    )
    report_epsilon: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="The impact report's differential-privacy budget ε for the whole report: "
        "every count of people gets discrete Laplace noise (docs/impact-report.md); unset: "
        "exact counts, small cells still suppressed.",
    )
    raw_event_retention_days: int = Field(
        default=180,
        ge=1,
        le=36_500,
        description="Days an event keeps its payment details (amount, currency, merchant "
        "category, attributes) and a quarantined row is kept; `saxaul retention run` strips or "
        "deletes what is older (docs/privacy.md). 180 covers the card networks' 120-day "
        "chargeback window with room to investigate, and no longer (PIPL art. 19: the shortest "
        "period the purpose needs; GDPR art. 5(1)(e)).",
    )
    jobs: bool = Field(
        default=True,
        description="Whether the server mints and expires energy balls itself (one server per "
        "database does, whichever holds the jobs lock); false when cron or another scheduler "
        "runs `saxaul energy mint` and `saxaul energy expire`.",
    )
    partition_months_ahead: int = Field(
        default=3,
        ge=1,
        le=24,
        description="PostgreSQL: months of partitions of events, awards and ledger transfers "
        "the scheduled jobs (and `saxaul partitions ensure`) keep made ahead of the current "
        "one, so a new month's rows land in their own partition, not the default one "
        "(docs/partitioning.md).",
    )
    jobs_interval_s: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="Seconds between two runs of the scheduled jobs: how late a new award's "
        "ball may appear, and an expired ball's grams move to the expired account.",
    )
    webhooks_interval_s: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="Seconds between two passes of the webhook dispatcher each server process "
        "runs (deliveries are leased, so several dispatchers never send one delivery at once): "
        "how late an event may reach a partner. 0 turns the dispatcher off (then run `saxaul "
        "webhooks deliver --until-idle` from cron).",
    )
    webhooks_timeout_s: float = Field(
        default=DEFAULT_POLICY.timeout_s,
        gt=0,
        le=60,
        description="Seconds a partner's receiver has to answer 2xx before the attempt counts "
        "as failed.",
    )
    webhooks_retry_s: str = Field(
        default=",".join(str(s) for s in DEFAULT_POLICY.retry_s),
        description="Seconds to wait after the 1st, 2nd, … failed attempt of a delivery, "
        "comma-separated; the last repeats. Each wait is stretched by up to "
        "`webhooks_jitter` at random.",
    )
    webhooks_jitter: float = Field(
        default=DEFAULT_POLICY.jitter,
        ge=0,
        le=1,
        description="Fraction by which each retry wait is stretched at random, so deliveries "
        "that failed together do not all come back together.",
    )
    webhooks_max_attempts: int = Field(
        default=DEFAULT_POLICY.max_attempts,
        ge=1,
        le=1000,
        description="Attempts after which a delivery has finally failed (its subscription is "
        "then flagged) …",
    )
    webhooks_max_age_s: int = Field(
        default=DEFAULT_POLICY.max_age_s,
        ge=1,
        description="… or seconds after it was queued, whichever comes first (3 days).",
    )
    webhooks_rotation_grace_s: int = Field(
        default=DEFAULT_POLICY.rotation_grace_s,
        ge=0,
        description="After a partner rotates a subscription's secret, deliveries carry a "
        "signature with the previous secret too for this long, so receivers can switch over.",
    )

    @field_validator(
        "rate_limit_participant",
        "rate_limit_partner",
        "rate_limit_operator",
        "rate_limit_bulk",
        "rate_limit_public",
        "sign_in_per_address",
        "sign_in_per_account",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(
                    "give limits as N/minute (or second, hour, day), e.g. "
                    "120/minute;3000/hour, or leave empty for none"
                ) from exc
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_storage(cls, value: str) -> str:
        if value.partition("://")[0] not in {"memory", "redis", "rediss"}:
            raise ValueError("give memory:// or redis://HOST:PORT/DB")
        return value

    webhooks_allowed_networks: str = Field(
        default="",
        description="Networks (CIDR, comma-separated) webhook deliveries may reach besides "
        "public addresses, e.g. `10.20.0.0/16` for a receiver inside the operator's own network. "
        "Empty (the default): loopback, private, link-local, carrier-grade NAT and other "
        "special-purpose addresses are refused, at registration and at every delivery "
        "(IANA special-purpose address registries, RFC 6890).",
    )

    @field_validator("webhooks_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        try:
            _parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"give networks in CIDR form, comma-separated: {exc}") from exc
        return value

    @field_validator("webhooks_retry_s")
    @classmethod
    def _retry_schedule(cls, value: str) -> str:
        waits = [part.strip() for part in value.split(",")]
        if not waits or not all(w.isdigit() and 0 < int(w) <= 86_400 for w in waits):
            raise ValueError("give whole seconds from 1 to 86400, comma-separated, e.g. 10,30,120")
        return value

    def webhook_policy(self) -> WebhookPolicy:
        """The webhook settings as the services use them."""
        return WebhookPolicy(
            retry_s=tuple(int(w) for w in self.webhooks_retry_s.split(",")),
            jitter=self.webhooks_jitter,
            max_attempts=self.webhooks_max_attempts,
            max_age_s=self.webhooks_max_age_s,
            timeout_s=self.webhooks_timeout_s,
            rotation_grace_s=self.webhooks_rotation_grace_s,
            allowed_networks=_parse_networks(self.webhooks_allowed_networks),
        )


def _parse_networks(value: str) -> tuple[Network, ...]:
    """``"10.20.0.0/16, fd00::/8"`` as networks; a host's bits set (``10.20.0.1/16``) is refused."""
    return tuple(ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip())
