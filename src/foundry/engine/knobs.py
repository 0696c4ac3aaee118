"""Every tunable of the engine, each an environment-overridable default.

A knob's docstring says what it bounds. Read them through this module so a reader finds every
limit in one place, never as a magic number in the code that enforces it.
"""

from __future__ import annotations

import os

from foundry.env import env_float, env_int

# --- Function limits (Convex's published defaults) -------------------------------------------

QUERY_MUTATION_TIMEOUT_S = env_float("FOUNDRY_QUERY_MUTATION_TIMEOUT_S", 1.0)
"""Wall time one query or mutation body may run before it fails."""

ACTION_TIMEOUT_S = env_float("FOUNDRY_ACTION_TIMEOUT_S", 600.0)
"""Wall time one action may run before it fails."""

TRANSACTION_MAX_READ_BYTES = env_int("FOUNDRY_TRANSACTION_MAX_READ_BYTES", 16 * 1024 * 1024)
"""Bytes of documents one query or mutation may read."""

TRANSACTION_MAX_WRITE_BYTES = env_int("FOUNDRY_TRANSACTION_MAX_WRITE_BYTES", 16 * 1024 * 1024)
"""Bytes of documents one mutation may write."""

TRANSACTION_MAX_SCANNED_DOCUMENTS = env_int("FOUNDRY_TRANSACTION_MAX_SCANNED_DOCUMENTS", 32_000)
"""Documents one query or mutation may scan, including those a filter discards."""

TRANSACTION_MAX_WRITTEN_DOCUMENTS = env_int("FOUNDRY_TRANSACTION_MAX_WRITTEN_DOCUMENTS", 16_000)
"""Documents one mutation may write."""

DOCUMENT_MAX_BYTES = env_int("FOUNDRY_DOCUMENT_MAX_BYTES", 1024 * 1024)
"""Size of one stored document, encoded as JSON."""

ARGUMENTS_MAX_BYTES = env_int("FOUNDRY_ARGUMENTS_MAX_BYTES", 8 * 1024 * 1024)
"""Size of one function call's arguments, encoded as JSON."""

# --- Committer --------------------------------------------------------------------------------

COMMITTER_QUEUE_SIZE = env_int("FOUNDRY_COMMITTER_QUEUE_SIZE", 2048)
"""Commits waiting for the committer; past this, callers get an overloaded error."""

COMMITTER_MAX_GROUP = env_int("FOUNDRY_COMMITTER_MAX_GROUP", 256)
"""Transactions the committer writes in one database transaction (group commit)."""

COMMIT_TIMEOUT_S = env_float("FOUNDRY_COMMIT_TIMEOUT_S", 30.0)
"""How long a caller waits for the committer to answer one commit."""

MUTATION_MAX_RETRIES = env_int("FOUNDRY_MUTATION_MAX_RETRIES", 8)
"""Times a mutation is re-run after an optimistic-concurrency conflict before it fails."""

WRITE_LOG_MAX_COMMITS = env_int("FOUNDRY_WRITE_LOG_MAX_COMMITS", 20_000)
"""Recent commits kept in memory for conflict checks; older snapshots must retry."""

COMMIT_LOG_RETENTION = env_int("FOUNDRY_COMMIT_LOG_RETENTION", 100_000)
"""Commit records kept in the database for followers that fall behind."""

COMMIT_LOG_PRUNE_INTERVAL_S = env_float("FOUNDRY_COMMIT_LOG_PRUNE_INTERVAL_S", 60.0)
"""How often the committer trims the commit log table to COMMIT_LOG_RETENTION records."""

# --- Execution --------------------------------------------------------------------------------

FUNCTION_THREADS = env_int("FOUNDRY_FUNCTION_THREADS", 4)
"""Threads running query and mutation bodies (they hold database snapshots)."""

SUBSCRIPTION_RERUN_CONCURRENCY = env_int("FOUNDRY_SUBSCRIPTION_RERUN_CONCURRENCY", 8)
"""Connections re-running invalidated queries at once; a burst of invalidations queues here."""

# --- Sync protocol ----------------------------------------------------------------------------

SYNC_MAX_FRAME_BYTES = env_int("FOUNDRY_SYNC_MAX_FRAME_BYTES", 8 * 1024 * 1024)
"""Size of one WebSocket frame from a client."""

SYNC_MAX_QUERIES_PER_CONNECTION = env_int("FOUNDRY_SYNC_MAX_QUERIES_PER_CONNECTION", 4096)
"""Queries one connection may subscribe to."""

SYNC_MAX_INFLIGHT_REQUESTS = env_int("FOUNDRY_SYNC_MAX_INFLIGHT_REQUESTS", 256)
"""Mutations and actions one connection may have running at once."""

SYNC_PING_INTERVAL_S = env_float("FOUNDRY_SYNC_PING_INTERVAL_S", 15.0)
"""Idle time after which the server sends a Ping frame."""

# --- Scheduler --------------------------------------------------------------------------------

SCHEDULER_POLL_MAX_S = env_float("FOUNDRY_SCHEDULER_POLL_MAX_S", 5.0)
"""Longest the scheduler sleeps before looking for due jobs again."""

SCHEDULER_CONCURRENCY = env_int("FOUNDRY_SCHEDULER_CONCURRENCY", 8)
"""Scheduled functions running at once."""

# --- Replication (PostgreSQL) -----------------------------------------------------------------

LEASE_TTL_S = env_float("FOUNDRY_LEASE_TTL_S", 5.0)
"""How long the committer lease lasts without renewal before another replica may take it."""

LEASE_RENEW_S = env_float("FOUNDRY_LEASE_RENEW_S", 1.0)
"""How often the lease holder renews the lease (and followers try to take an expired one)."""

FOLLOWER_POLL_S = env_float("FOUNDRY_FOLLOWER_POLL_S", 0.5)
"""Longest a follower waits for a commit notification before reading the commit log anyway."""

QUERY_CACHE_ENTRIES = env_int("FOUNDRY_QUERY_CACHE_ENTRIES", 4096)
"""Query results kept for reuse by other subscribers of the same query at the same timestamp."""

CHECK_DETERMINISM = os.environ.get("FOUNDRY_CHECK_DETERMINISM", "") not in ("", "0")
"""Run every query twice at one snapshot and fail if the runs differ (tests and development)."""

AUTH_LEEWAY_S = env_int("FOUNDRY_AUTH_LEEWAY_S", 30)
"""Seconds past a token's `exp` it is still honoured (clock skew between issuer and backend)."""
