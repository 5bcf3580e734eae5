-- Selat store, PostgreSQL schema 1. Mirrors migrations/sqlite/0001_initial.sql table for table.
-- Times are BIGINT microseconds since the Unix epoch. JSON is TEXT, not jsonb: objects are served
-- byte-exact as stored. Keys compared only for equality and order use the "C" collation, so index
-- comparisons are byte comparisons whatever the database's locale.

-- TAXII collections. `key` is the compact internal reference used by entries.
CREATE TABLE collections (
    key                 BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  TEXT    COLLATE "C" NOT NULL UNIQUE,
    title               TEXT    NOT NULL,
    description         TEXT,
    alias               TEXT    UNIQUE,
    media_types         TEXT[]  NOT NULL,
    created_us          BIGINT  NOT NULL,
    -- The last date_added given out in this collection: the next is max(now, this + 1), assigned
    -- while the ingest transaction holds this row locked, so date_added follows commit order.
    last_date_added_us  BIGINT  NOT NULL DEFAULT 0
);

-- Where `seq` comes from. Values are taken only while holding the shared "seq" advisory lock (see
-- src/postgres/scan.rs), which is what lets an export scan know which values are final.
CREATE SEQUENCE object_versions_seq AS BIGINT;

-- Every stored object version. `seq` is the internal sequence export scans page by.
CREATE TABLE object_versions (
    seq             BIGINT  PRIMARY KEY,
    id              TEXT    COLLATE "C" NOT NULL,
    version_us      BIGINT  NOT NULL,               -- modified, else created, else first date_added
    owner           TEXT    COLLATE "C" NOT NULL,
    object_type     TEXT    COLLATE "C" NOT NULL,
    spec_version    TEXT    COLLATE "C" NOT NULL,
    created_us      BIGINT,
    modified_us     BIGINT,
    created_by_ref  TEXT,
    revoked         BOOLEAN NOT NULL,
    tlp             TEXT,
    scope           TEXT    NOT NULL,
    confidence      BIGINT,
    is_sco          BOOLEAN NOT NULL,
    is_latest       BOOLEAN NOT NULL,               -- latest version of this (id, owner)
    stored_us       BIGINT  NOT NULL,               -- when this version was first stored
    json            TEXT    NOT NULL                -- canonical JSON, served byte-exact
);

-- Version key: SCOs keep one copy per owner, so the owner is part of it.
CREATE UNIQUE INDEX object_versions_key ON object_versions (id, version_us, owner);
CREATE INDEX object_versions_type ON object_versions (object_type, seq);

-- At most one latest version per copy: per (id, owner) for SCOs, per id for every other object,
-- which also makes an id's owner unique. Writers into different collections run concurrently; a
-- race on the same id ends in a unique violation here, and the loser retries its whole batch.
CREATE UNIQUE INDEX object_versions_latest
    ON object_versions (id, (CASE WHEN is_sco THEN owner ELSE '' END)) WHERE is_latest;

-- Membership of object versions in collections. A TAXII page is one range scan of the primary key.
-- `is_first`/`is_last` mark the earliest/latest version of each id in the collection, kept up to
-- date at insert time so version filters need no per-id subquery.
CREATE TABLE collection_entries (
    collection_key  BIGINT  NOT NULL REFERENCES collections (key),
    date_added_us   BIGINT  NOT NULL,
    seq             BIGINT  NOT NULL REFERENCES object_versions (seq),
    id              TEXT    COLLATE "C" NOT NULL,
    version_us      BIGINT  NOT NULL,
    object_type     TEXT    COLLATE "C" NOT NULL,
    spec_version    TEXT    COLLATE "C" NOT NULL,
    is_first        BOOLEAN NOT NULL,
    is_last         BOOLEAN NOT NULL,
    PRIMARY KEY (collection_key, date_added_us)
);

-- One object's versions in a collection (objects/{id}/, versions/, id filters, ingest look-ups).
CREATE INDEX collection_entries_object ON collection_entries (collection_key, id, version_us, seq);
