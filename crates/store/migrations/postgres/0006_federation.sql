-- Selat store, PostgreSQL schema 6. Mirrors migrations/sqlite/0006_federation.sql table for
-- table: per-peer cursors, per-peer counters and refusals, object origins.

CREATE TABLE peer_cursors (
    peer           TEXT COLLATE "C" NOT NULL,
    collection_id  TEXT COLLATE "C" NOT NULL,
    direction      TEXT NOT NULL,
    cursor_us      BIGINT NOT NULL,
    updated_us     BIGINT NOT NULL,
    PRIMARY KEY (peer, collection_id, direction)
);

CREATE TABLE peer_states (
    peer             TEXT COLLATE "C" PRIMARY KEY,
    rounds           BIGINT NOT NULL,
    last_attempt_us  BIGINT NOT NULL,
    last_success_us  BIGINT,
    last_error       TEXT,
    last_error_us    BIGINT,
    sent_total       BIGINT NOT NULL,
    received_total   BIGINT NOT NULL,
    refused_total    BIGINT NOT NULL,
    skipped_total    BIGINT NOT NULL,
    lag_us           BIGINT
);

CREATE TABLE peer_refusals (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    peer       TEXT COLLATE "C" NOT NULL,
    at_us      BIGINT NOT NULL,
    direction  TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    version    TEXT NOT NULL,
    reason     TEXT NOT NULL
);
CREATE INDEX peer_refusals_peer ON peer_refusals (peer, seq);

CREATE TABLE object_origins (
    id           TEXT COLLATE "C" NOT NULL,
    version_us   BIGINT NOT NULL,
    owner        TEXT COLLATE "C" NOT NULL,
    peer         TEXT NOT NULL,
    received_us  BIGINT NOT NULL,
    PRIMARY KEY (id, version_us, owner)
);
