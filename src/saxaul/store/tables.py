"""The schema, one SQLAlchemy Core ``Table`` per stored concept, shared by SQLite and PostgreSQL.

Why Core and plain integer columns: the same code path serves both engines, Alembic migrates
it, and the hot tables (events, awards, balls, cap usage) are written through Arrow by the bulk
writer, so their timestamps are integer microseconds since the Unix epoch in UTC (``*_at_us``)
and their amounts integer milligrams or grams — exact, compact and identical on both engines.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from saxaul.domain.ledger import AccountKind

INTEGER_MAX = 2**31 - 1
"""Largest value an ``Integer`` column holds on both engines (PostgreSQL ``integer``, 4 bytes)."""
BIGINT_MAX = 2**63 - 1
"""Largest value a ``BigInteger`` column holds (8 bytes); SQLite's integers are 8 bytes too."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

methodology_packs = Table(
    "methodology_packs",
    metadata,
    Column("pack_id", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("document", Text, nullable=False, comment="the pack as canonical JSON"),
    Column("registered_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("pack_id", "version"),
)

participants = Table(
    "participants",
    metadata,
    Column("user_id", Text, primary_key=True, comment="pseudonymous id chosen by the operator"),
    Column("enrolled_at_us", BigInteger, nullable=False),
    Column("consent_scopes", Text, nullable=False, comment="';'-joined sorted scopes"),
    Column("consent_at_us", BigInteger, nullable=True),
    Column("withdrawn_at_us", BigInteger, nullable=True),
    Column("updated_at_us", BigInteger, nullable=False),
    Column(
        "erased_at_us",
        BigInteger,
        nullable=True,
        comment="erased on request: personal data gone, pseudonym kept for sums",
    ),
)

demographics = Table(
    "demographics",
    metadata,
    Column("user_id", Text, ForeignKey("participants.user_id"), primary_key=True),
    Column("gender", Text, nullable=True),
    Column("birth_year", Integer, nullable=True),
    Column("province", Text, nullable=True),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False, comment="events | participants | http"),
    Column("content_sha256", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False, comment="running | done | failed"),
    Column("rows_committed", BigInteger, nullable=False, default=0),
    Column("counters", Text, nullable=False, default="{}", comment="JSON totals"),
    Column("started_at_us", BigInteger, nullable=False),
    Column("finished_at_us", BigInteger, nullable=True),
    Column("owner", Text, nullable=True, comment="host:pid:run of the process"),
    Column(
        "lease_until_us",
        BigInteger,
        nullable=True,
        comment="another process may take the import over after this instant",
    ),
    Column("error", Text, nullable=True, comment="why the last run failed"),
    UniqueConstraint("kind", "content_sha256"),
)

events = Table(
    "events",
    metadata,
    Column(
        "dedupe_key",
        BigInteger,
        primary_key=True,
        autoincrement=False,
        comment="xxhash64(source \\x1f event_id): the event's identity (ADR 0002)",
    ),
    Column("source", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("behaviour", Text, nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("amount_minor", BigInteger, nullable=True),
    Column("currency", Text, nullable=True),
    Column("merchant_category", Text, nullable=True),
    Column("attributes", Text, nullable=True),
    Column("payload_hash", BigInteger, nullable=False),
    Column("import_id", Integer, nullable=False),
    Column("status", Text, nullable=False, comment="scored | no_consent | not_effective"),
    Column("day", Integer, nullable=False, comment="local date ordinal in the pack's zone"),
    Column("raw_mg", BigInteger, nullable=False),
    Column("credited_mg", BigInteger, nullable=False),
    Column("award_id", BigInteger, nullable=True),
)

awards = Table(
    "awards",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("import_id", Integer, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("behaviour", Text, nullable=False),
    Column("day", Integer, nullable=False),
    Column("pack_id", Text, nullable=False),
    Column("pack_version", Text, nullable=False),
    Column("factor_ids", Text, nullable=False),
    Column("avoided_mg", BigInteger, nullable=False),
    Column("energy_g", BigInteger, nullable=False),
    Column("events_counted", Integer, nullable=False),
    Column("events_scored", Integer, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
)

cap_usage = Table(
    "cap_usage",
    metadata,
    Column("user_id", Text, nullable=False),
    Column("behaviour", Text, nullable=False),
    Column("period_key", Integer, nullable=False),
    Column("counted", BigInteger, nullable=False),
    Column("credited_mg", BigInteger, nullable=False),
    PrimaryKeyConstraint("period_key", "behaviour", "user_id"),
    sqlite_with_rowid=False,
    comment="period first: a day's usage rows sit together, so a day's import appends",
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("import_id", Integer, nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("location", Text, nullable=False, comment="line | index"),
    Column("code", Text, nullable=False),
    Column("field", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    UniqueConstraint("import_id", "line"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("key_hash", Text, nullable=False, unique=True, comment="sha256 of the secret"),
    Column("role", Text, nullable=False, comment="admin | operations | analyst | support (0010)"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("revoked_at_us", BigInteger, nullable=True),
)

# ---------------------------------------------------------------- energy ledger and game (0002)
#
# Why balances live beside the transfers: a participant's, ball's or tree pool's balance is read
# on every move, so it is cached in ``ledger_accounts.balance_g`` and updated in the same
# transaction as the transfer (the CHECK keeps it from ever going negative, a second guard behind
# ``domain.ledger.post``). System accounts (issuance, expired, planted, gifts, debt) are hot and
# never guard a debit on the game's paths, so their balance is NULL here and derived as the sum
# of their transfers; ``services.ledger_audit`` checks every cache against that sum.

ledger_accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", Text, primary_key=True, comment="user:<id>, ball:<award>, tree:<id>, issuance…"),
    Column("kind", Text, nullable=False),
    Column("user_id", Text, nullable=True, index=True),
    Column("balance_g", BigInteger, nullable=True, comment="cached; NULL: derived from transfers"),
    Column("opened_at_us", BigInteger, nullable=False),
    CheckConstraint("balance_g IS NULL OR balance_g >= 0", name="balance_not_negative"),
)

ledger_transfers = Table(
    "ledger_transfers",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", Text, nullable=False, unique=True, comment="the idempotency key"),
    Column("debit_account", Text, nullable=False, index=True),
    Column("credit_account", Text, nullable=False),
    Column("amount_g", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("reference", Text, nullable=False, index=True),
    CheckConstraint("amount_g > 0", name="amount_positive"),
    CheckConstraint("debit_account <> credit_account", name="distinct_accounts"),
    Index("ix_ledger_transfers_credit_at", "credit_account", "at_us"),
)

LIVE_BALL_ACCOUNT = f"kind = '{AccountKind.BALL.value}' AND balance_g > 0"
"""Ball accounts still holding energy: the few thousand live balls among every ball ever minted.

Why SQL text rather than an expression with bound values: SQLite uses a partial index only when
the query's WHERE repeats the index's own terms as written, so the expiry job and the crowd's
ripe-ball read (``balls_repo.LIVE_BALLS``) name these terms and visit the live balls instead of
all of them."""

Index(
    "ix_ledger_accounts_live_balls",
    ledger_accounts.c.id,
    sqlite_where=text(LIVE_BALL_ACCOUNT),
    postgresql_where=text(LIVE_BALL_ACCOUNT),
)

balls = Table(
    "balls",
    metadata,
    Column("id", Text, primary_key=True, comment="the award id: one award, one ball"),
    Column("owner", Text, nullable=False),
    Column("behaviour", Text, nullable=False),
    Column("amount_g", BigInteger, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("ripens_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Column("rules", Text, nullable=False, comment="energy rules id@version that timed it"),
    Index("ix_balls_owner_ripens", "owner", "ripens_at_us"),
    Index("ix_balls_expires", "expires_at_us"),
)

friendships = Table(
    "friendships",
    metadata,
    Column("user_low", Text, nullable=False, comment="the smaller of the two ids"),
    Column("user_high", Text, nullable=False),
    Column("inviter", Text, nullable=False),
    Column("status", Text, nullable=False, comment="pending | accepted"),
    Column("invited_at_us", BigInteger, nullable=False),
    Column("accepted_at_us", BigInteger, nullable=True),
    PrimaryKeyConstraint("user_low", "user_high"),
    Index("ix_friendships_high", "user_high"),
)

covers = Table(
    "covers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Text, nullable=False),
    Column("starts_at_us", BigInteger, nullable=False),
    Column("ends_at_us", BigInteger, nullable=False),
    Column("hours", Integer, nullable=False),
    Index("ix_covers_user_ends", "user_id", "ends_at_us"),
)

trees = Table(
    "trees",
    metadata,
    Column("id", Text, primary_key=True),
    Column("species_id", Text, nullable=False),
    Column("catalogue", Text, nullable=False, comment="species catalogue id@version"),
    Column("cost_g", BigInteger, nullable=False),
    Column("initiator", Text, nullable=False, index=True),
    Column("mode", Text, nullable=False, comment="solo | co"),
    Column("status", Text, nullable=False, comment="funding | promised | cancelled"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("promised_at_us", BigInteger, nullable=True),
)

tree_members = Table(
    "tree_members",
    metadata,
    Column("tree_id", Text, nullable=False),
    Column("user_id", Text, nullable=False, index=True),
    Column("joined_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("tree_id", "user_id"),
    comment="who may fund a tree (and gets its certificate): the initiator and invited friends",
)

reversals = Table(
    "reversals",
    metadata,
    Column("source", Text, nullable=False),
    Column("event_id", Text, nullable=False, comment="the reversal event's own id"),
    Column("original_event_id", Text, nullable=False),
    Column("reason", Text, nullable=False, comment="refund | chargeback"),
    Column("award_id", Text, nullable=True),
    Column("reversed_mg", BigInteger, nullable=False),
    Column("reversed_g", BigInteger, nullable=False),
    Column("status", Text, nullable=False, comment="applied | unknown_event | already_reversed"),
    Column("at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("source", "event_id"),
    UniqueConstraint("source", "original_event_id"),
)

requests = Table(
    "requests",
    metadata,
    Column("user_id", Text, nullable=False),
    Column("key", Text, nullable=False, comment="the client's Idempotency-Key"),
    Column("operation", Text, nullable=False),
    Column("body_hash", Text, nullable=False),
    Column("response", Text, nullable=False, comment="the JSON answer, replayed on a retry"),
    Column("created_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("user_id", "key"),
)

participant_credentials = Table(
    "participant_credentials",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("password_hash", Text, nullable=False, comment="scrypt, with its salt and costs"),
    Column("updated_at_us", BigInteger, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", Text, primary_key=True, comment="sha256 of the bearer token"),
    Column("user_id", Text, nullable=False, index=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Column("revoked_at_us", BigInteger, nullable=True),
)

# ---------------------------------------------------------------- partners (0005)
#
# Why ``mode`` on every partner-owned row: a partner's sandbox keys see and change sandbox rows
# only, and live keys live rows only, so trying the platform out can never touch real trees.

partners = Table(
    "partners",
    metadata,
    Column("id", Text, primary_key=True, comment="a slug chosen at sign-up, e.g. see-foundation"),
    Column("name_en", Text, nullable=False),
    Column("name_zh", Text, nullable=True),
    Column("kind", Text, nullable=False, comment="ngo | business | operator"),
    Column("status", Text, nullable=False, comment="pending | approved | suspended"),
    Column("contact_email", Text, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("decided_at_us", BigInteger, nullable=True),
    Column("decided_by", Text, nullable=True, comment="the operator key that approved it"),
    Column("decision_note", Text, nullable=True),
)

partner_members = Table(
    "partner_members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False),
    Column("email", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False, comment="owner | admin | developer | viewer"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("removed_at_us", BigInteger, nullable=True),
    UniqueConstraint("partner_id", "email"),
)

partner_keys = Table(
    "partner_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("key_hash", Text, nullable=False, unique=True, comment="sha256 of the secret"),
    Column("mode", Text, nullable=False, comment="sandbox | live"),
    Column("scopes", Text, nullable=False, comment="';'-joined sorted scopes"),
    Column("member_id", Integer, nullable=True, comment="the member it acts for"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=True, comment="set when rotated: a grace period"),
    Column("revoked_at_us", BigInteger, nullable=True),
    Column("replaced_by", Integer, nullable=True, comment="the key that rotated this one out"),
)

# ---------------------------------------------------------------- projects, orders, evidence (0006)
#
# Why a row per promised tree in ``tree_liabilities``: a promised tree is a debt to the
# participant until a partner evidences a living tree; its row says which project owes it and
# how far it has got, so the platform can always count owed / ordered / planted / alive / lost.

projects = Table(
    "projects",
    metadata,
    Column("id", Text, primary_key=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False, index=True),
    Column("mode", Text, nullable=False, comment="sandbox | live"),
    Column("outcome", Text, nullable=False, comment="trees | land | other"),
    Column(
        "species_id",
        Text,
        nullable=True,
        index=True,
        comment="trees only: an id of the species catalogue",
    ),
    Column("unit", Text, nullable=False, comment="tree | m2 | another stated unit"),
    Column("title_en", Text, nullable=False),
    Column("title_zh", Text, nullable=True),
    Column("site", Text, nullable=False, comment="JSON: name, region (zh/en), GeoJSON geometry"),
    Column("capacity", BigInteger, nullable=False, comment="units contracted"),
    Column(
        "allocated",
        BigInteger,
        nullable=False,
        default=0,
        comment="trees promised to it: its tree_liabilities rows, counted as they are written",
    ),
    Column("unit_cost_minor", BigInteger, nullable=True),
    Column("currency", Text, nullable=True),
    Column("energy_price_g", BigInteger, nullable=False, comment="energy per unit"),
    Column("starts_on", Text, nullable=False, comment="ISO date"),
    Column("ends_on", Text, nullable=True, comment="ISO date"),
    Column("evidence_required", Text, nullable=False, comment="JSON list"),
    Column("status", Text, nullable=False, comment="draft | open | closed"),
    Column("source", Text, nullable=True, comment="catalogue id@version for default projects"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
    CheckConstraint("allocated >= 0 AND allocated <= capacity", name="allocated_within_capacity"),
)

planting_orders = Table(
    "planting_orders",
    metadata,
    Column("id", Text, primary_key=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False, index=True),
    Column("project_id", Text, ForeignKey("projects.id"), nullable=False),
    Column("mode", Text, nullable=False),
    Column("status", Text, nullable=False, comment="proposed | accepted | declined | fulfilled"),
    Column("units", BigInteger, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("decided_at_us", BigInteger, nullable=True),
    Column("decision_note", Text, nullable=True, comment="the partner's reason for declining"),
)

tree_liabilities = Table(
    "tree_liabilities",
    metadata,
    Column("tree_id", Text, primary_key=True),
    Column("species_id", Text, nullable=False),
    Column("project_id", Text, nullable=True, index=True, comment="NULL: on the waiting list"),
    Column("order_id", Text, nullable=True, index=True),
    Column(
        "status",
        Text,
        nullable=False,
        comment="waiting | owed | ordered | planted | alive | lost",
    ),
    Column("replacements", Integer, nullable=False, default=0),
    Column("promised_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False, index=True),
    Column("order_id", Text, ForeignKey("planting_orders.id"), nullable=False, index=True),
    Column("kind", Text, nullable=False, comment="planting | survival"),
    Column("document", Text, nullable=False, comment="the report as canonical JSON"),
    Column("sha256", Text, nullable=False),
    Column("irrigation", Text, nullable=True, comment="planting only: drip | none"),
    Column("reported_at_us", BigInteger, nullable=False),
)

tree_evidence = Table(
    "tree_evidence",
    metadata,
    Column("tree_id", Text, nullable=False),
    Column("evidence_id", Integer, ForeignKey("evidence.id"), nullable=False),
    Column("outcome", Text, nullable=False, comment="planted | alive | dead | replanted"),
    PrimaryKeyConstraint("tree_id", "evidence_id"),
    Index("ix_tree_evidence_evidence", "evidence_id"),
)

# ---------------------------------------------------------------- webhooks (0007)
#
# Why an outbox: a use case records the event in its own transaction (``webhook_events``), so
# an event is never sent for work that rolled back, nor lost for work that committed; the
# dispatcher delivers from the outbox afterwards, in order per subscription.

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False, index=True),
    Column("mode", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", Text, nullable=False, comment="';'-joined, sorted"),
    Column("secret_version", Integer, nullable=False, default=1),
    Column("created_at_us", BigInteger, nullable=False),
    Column("disabled_at_us", BigInteger, nullable=True),
    Column("after_seq", BigInteger, nullable=False, comment="events after this one are its"),
    Column("rotated_at_us", BigInteger, nullable=True, comment="last secret rotation"),
    Column("failed_at_us", BigInteger, nullable=True, comment="a delivery finally failed"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", Text, nullable=False, unique=True, comment="evt_…, sent to the receiver"),
    Column("partner_id", Text, nullable=False, index=True),
    Column("mode", Text, nullable=False),
    Column("type", Text, nullable=False, comment="order.created, evidence.accepted, …"),
    Column("payload", Text, nullable=False, comment="JSON"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("subscription_id", Integer, nullable=True, comment="addressed to it alone (tests)"),
    Column("fanned_out_at_us", BigInteger, nullable=True, index=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("status", Text, nullable=False, comment="pending | delivered | failed"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at_us", BigInteger, nullable=False, comment="or a claim's lease end"),
    Column("delivered_at_us", BigInteger, nullable=True),
    Column("queued_at_us", BigInteger, nullable=False, comment="fanned out or replayed"),
    Column("queued_attempts", Integer, nullable=False, comment="attempts before that"),
    UniqueConstraint("subscription_id", "event_seq"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at_us"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, nullable=False, index=True),
    Column("at_us", BigInteger, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_us", BigInteger, nullable=False),
)

# ---------------------------------------------------------------- business scenarios (0008)

scenarios = Table(
    "scenarios",
    metadata,
    Column("id", Text, primary_key=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("fragment", Text, nullable=False, comment="the methodology fragment as canonical JSON"),
    Column(
        "status",
        Text,
        nullable=False,
        comment="draft | submitted | approved | rejected | suspended",
    ),
    Column("sandbox_result", Text, nullable=True, comment="JSON of the last sandbox run"),
    Column("budget_g", BigInteger, nullable=True, comment="energy the operator allows in total"),
    Column("pack_id", Text, nullable=True),
    Column("pack_version", Text, nullable=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("submitted_at_us", BigInteger, nullable=True),
    Column("decided_at_us", BigInteger, nullable=True),
    Column("decided_by", Text, nullable=True),
    Column("decision_note", Text, nullable=True),
)

# ---------------------------------------------------------------- job progress marks (0009)
#
# Why: a job that turns new rows into something (awards into balls) must not re-read every row
# it has already handled on each run, or a long programme makes every run slower than the last.
# A mark is the last row id a job has passed, written in the same transaction as its work.

job_marks = Table(
    "job_marks",
    metadata,
    Column("name", Text, primary_key=True, comment="the job and what it walks, e.g. mint.awards"),
    Column("value", BigInteger, nullable=False, comment="the highest id the job has passed"),
)

# ---------------------------------------------------------------- imported statements (0010)
#
# Why verbatim: a personal carbon statement brought from another instance is that instance's
# signed word, so it is kept byte for byte (it still verifies) beside the few facts the lists
# show; it is history to read, never energy: nothing here touches the ledger.

imported_statements = Table(
    "imported_statements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Text, nullable=False, comment="the participant here who brought it"),
    Column("sha256", Text, nullable=False, comment="of the signed file: the same file once"),
    Column("issuer_key_id", Text, nullable=False),
    Column("origin_user_id", Text, nullable=False, comment="their id at the issuing instance"),
    Column("period_from_us", BigInteger, nullable=False),
    Column("period_to_us", BigInteger, nullable=False),
    Column("generated_at_us", BigInteger, nullable=False),
    Column("document", Text, nullable=False, comment="the signed file, verbatim"),
    Column("imported_at_us", BigInteger, nullable=False),
    UniqueConstraint("user_id", "sha256"),
)

# ---------------------------------------------------------------- abuse flags (0011)
#
# Why a table beside the ledger: a flag is a case for a person to review (who, which rule, why,
# the numbers that tripped it, the decision); the energy it holds is in the ledger
# (``hold:<id>``, ``domain.holds``), so the two never disagree about grams.

abuse_flags = Table(
    "abuse_flags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "key",
        Text,
        nullable=False,
        unique=True,
        comment="what was flagged (award:<id>:<rule> or <rule>:<user>:<window>): one flag each",
    ),
    Column("user_id", Text, nullable=False, index=True),
    Column("rule_id", Text, nullable=False),
    Column("rules_ref", Text, nullable=False, comment="abuse rules id@version"),
    Column("reason_en", Text, nullable=False),
    Column("reason_zh", Text, nullable=False),
    Column("evidence", Text, nullable=False, comment="JSON: the numbers that tripped the rule"),
    Column(
        "award_id",
        BigInteger,
        nullable=True,
        index=True,
        comment="the flagged award (its ball's id); NULL for a detector's flag",
    ),
    Column("held_g", BigInteger, nullable=False, comment="grams held when flagged"),
    Column("status", Text, nullable=False, comment="open | released | confirmed"),
    Column("created_at_us", BigInteger, nullable=False),
    Column("decided_by", Text, nullable=True),
    Column("decided_at_us", BigInteger, nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_abuse_flags_status_id", "status", "id"),
)

# ---------------------------------------------------------------- operator audit log (0012)
#
# Why a table of its own, append-only: an operator reading or changing one participant's data
# must be answerable for it (PIPL art. 54, GDPR art. 5(2)); the entry is written in the same
# transaction as the act, and triggers refuse UPDATE and DELETE on both engines, so nothing
# the application or a careless script does can rewrite what happened.

operator_audit = Table(
    "operator_audit",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("at_us", BigInteger, nullable=False),
    Column("key_id", Integer, ForeignKey("api_keys.id"), nullable=False),
    Column("key_name", Text, nullable=False),
    Column("role", Text, nullable=False, comment="the key's role when it acted"),
    Column("permission", Text, nullable=False, comment="e.g. participants.read"),
    Column("method", Text, nullable=False),
    Column("route", Text, nullable=False, comment="the route template, never the URL"),
    Column("user_id", Text, nullable=False, comment="the participant concerned (pseudonymous)"),
    Column("outcome", Text, nullable=False, comment="ok, or the refusal code"),
    Index("ix_operator_audit_user_id_id", "user_id", "id"),
)

# ---------------------------------------------------------------- erasure (0013)
#
# Why keys in the database and never in an archive: a Parquet archive is copied and backed up
# beyond reach, so its personal columns are sealed per participant with this key; erasure
# deletes the row, and every copy of every archive becomes unreadable for that person
# (crypto-shredding, ``reports.personal_seal``).

personal_keys = Table(
    "personal_keys",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column(
        "data_key",
        Text,
        nullable=False,
        comment="AES-256-GCM key (hex) of the participant's personal columns in archives",
    ),
    Column("created_at_us", BigInteger, nullable=False),
)
