-- Selat store, SQLite schema 1. Times are integer microseconds since the Unix epoch; booleans are
-- 0/1 integers. The PostgreSQL schema mirrors this one table for table.

-- TAXII collections. `key` is the compact internal reference used by entries.
CREATE TABLE collections (
    key                 INTEGER PRIMARY KEY,
    id                  TEXT    NOT NULL UNIQUE,
    title               TEXT    NOT NULL,
    description         TEXT,
    alias               TEXT    UNIQUE,
    media_types         TEXT    NOT NULL,            -- JSON array of strings
    created_us          INTEGER NOT NULL,
    -- The last date_added given out in this collection: the next is max(now, this + 1), assigned
    -- inside the write transaction, so date_added is strictly increasing within the collection.
    last_date_added_us  INTEGER NOT NULL DEFAULT 0
);

-- Every stored object version. `seq` is the internal sequence export scans page by.
CREATE TABLE object_versions (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL,
    -- A 64-bit hash of `id`, the key of the id indexes. Ids are random UUIDs, so any index on
    -- them takes random inserts; an 8-byte key keeps that index a fifth of the size of one on the
    -- text, and so are the pages each ingest batch rewrites. Look-ups also compare `id` itself.
    id_key          INTEGER NOT NULL,
    version_us      INTEGER NOT NULL,               -- modified, else created, else first date_added
    owner           TEXT    NOT NULL,
    object_type     TEXT    NOT NULL,
    spec_version    TEXT    NOT NULL,
    created_us      INTEGER,
    modified_us     INTEGER,
    created_by_ref  TEXT,
    revoked         INTEGER NOT NULL,
    tlp             TEXT,
    scope           TEXT    NOT NULL,
    confidence      INTEGER,
    is_sco          INTEGER NOT NULL,
    is_latest       INTEGER NOT NULL,               -- latest version of this (id, owner)
    stored_us       INTEGER NOT NULL,               -- when this version was first stored
    json            TEXT    NOT NULL                -- canonical JSON, served byte-exact
);

-- Version key: SCOs keep one copy per owner, so the owner is part of it.
-- (id, version_us, owner) is unique: ingest plans every batch against what is stored, inside one
-- `BEGIN IMMEDIATE` transaction on the single writer connection, so no second writer can race it.
CREATE INDEX object_versions_id ON object_versions (id_key);
CREATE INDEX object_versions_type ON object_versions (object_type, seq);

-- Membership of object versions in collections. Clustered on (collection, date_added): a TAXII
-- page is one range scan. `is_first`/`is_last` mark the earliest/latest version of each id in the
-- collection, kept up to date at insert time so version filters need no per-id subquery.
CREATE TABLE collection_entries (
    collection_key  INTEGER NOT NULL REFERENCES collections (key),
    date_added_us   INTEGER NOT NULL,
    seq             INTEGER NOT NULL REFERENCES object_versions (seq),
    id              TEXT    NOT NULL,
    id_key          INTEGER NOT NULL,
    version_us      INTEGER NOT NULL,
    object_type     TEXT    NOT NULL,
    spec_version    TEXT    NOT NULL,
    is_first        INTEGER NOT NULL,
    is_last         INTEGER NOT NULL,
    PRIMARY KEY (collection_key, date_added_us)
) WITHOUT ROWID;

-- One object's versions in a collection (objects/{id}/, versions/, id filters, ingest look-ups).
CREATE INDEX collection_entries_object ON collection_entries (collection_key, id_key);
