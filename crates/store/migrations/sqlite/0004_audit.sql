-- The audit log: one row per audited request (a write, an admin action, an authentication
-- failure, a read that returned AMBER, AMBER+STRICT or RED material), appended in batches. Each
-- batch row seals its entries: `hash` is SHA-256 over `prev_hash` and the entries' canonical
-- encoding (see selat-core's `audit`), so an edited or deleted row breaks the chain.
-- Append-only: nothing in Selat updates or deletes these rows.

CREATE TABLE audit_entries (
    seq           INTEGER PRIMARY KEY NOT NULL,
    at_us         INTEGER NOT NULL,
    actor_org     TEXT,
    actor         TEXT NOT NULL,
    operation     TEXT NOT NULL,
    -- The organisations the entry concerns, comma-separated, for org-admins; NULL = hub only.
    subject_orgs  TEXT,
    detail        TEXT NOT NULL,
    count         INTEGER NOT NULL,
    ids_hash      TEXT,
    outcome       TEXT NOT NULL
);
CREATE INDEX audit_entries_at ON audit_entries (at_us);

CREATE TABLE audit_batches (
    batch      INTEGER PRIMARY KEY NOT NULL,
    first_seq  INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL,
    sealed_us  INTEGER NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
