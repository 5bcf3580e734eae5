-- Selat store, PostgreSQL schema 4. Mirrors migrations/sqlite/0004_audit.sql: the audit log,
-- appended in batches, each batch row sealing its entries with a SHA-256 chain (see selat-core's
-- `audit`). Append-only: nothing in Selat updates or deletes these rows.

CREATE TABLE audit_entries (
    seq           BIGINT PRIMARY KEY,
    at_us         BIGINT NOT NULL,
    actor_org     TEXT COLLATE "C",
    actor         TEXT NOT NULL,
    operation     TEXT COLLATE "C" NOT NULL,
    -- The organisations the entry concerns, comma-separated, for org-admins; NULL = hub only.
    subject_orgs  TEXT COLLATE "C",
    detail        TEXT NOT NULL,
    count         BIGINT NOT NULL,
    ids_hash      TEXT,
    outcome       TEXT NOT NULL
);
CREATE INDEX audit_entries_at ON audit_entries (at_us);

CREATE TABLE audit_batches (
    batch      BIGINT PRIMARY KEY,
    first_seq  BIGINT NOT NULL,
    last_seq   BIGINT NOT NULL,
    sealed_us  BIGINT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
