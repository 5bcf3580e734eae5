-- Federation (issue 9): per-peer cursors, per-peer counters and the refusals behind them, and the
-- origin of every object version received from a peer. Peers themselves come from the
-- configuration file; these tables only remember what syncing with them did.

-- Where each pull or push of one collection with one peer has got to: a `date_added` (the
-- peer's for a pull, ours for a push). Everything up to it is stored (pull) or confirmed by the
-- peer's status resource (push); a round resumes after it.
CREATE TABLE peer_cursors (
    peer           TEXT    NOT NULL,
    collection_id  TEXT    NOT NULL,
    direction      TEXT    NOT NULL,            -- 'pull' or 'push'
    cursor_us      INTEGER NOT NULL,
    updated_us     INTEGER NOT NULL,
    PRIMARY KEY (peer, collection_id, direction)
);

-- One row per peer: totals over every round, the last success, the last error, the lag.
CREATE TABLE peer_states (
    peer             TEXT    PRIMARY KEY NOT NULL,
    rounds           INTEGER NOT NULL,
    last_attempt_us  INTEGER NOT NULL,
    last_success_us  INTEGER,
    last_error       TEXT,
    last_error_us    INTEGER,
    sent_total       INTEGER NOT NULL,
    received_total   INTEGER NOT NULL,
    refused_total    INTEGER NOT NULL,
    skipped_total    INTEGER NOT NULL,
    lag_us           INTEGER
);

-- The latest refusals of each peer, with their reasons (pruned to the newest few per peer).
CREATE TABLE peer_refusals (
    seq        INTEGER PRIMARY KEY,
    peer       TEXT    NOT NULL,
    at_us      INTEGER NOT NULL,
    direction  TEXT    NOT NULL,
    object_id  TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    reason     TEXT    NOT NULL
);
CREATE INDEX peer_refusals_peer ON peer_refusals (peer, seq);

-- Which peer an object version was received from, and when (the first time).
CREATE TABLE object_origins (
    id           TEXT    NOT NULL,
    version_us   INTEGER NOT NULL,
    owner        TEXT    NOT NULL,
    peer         TEXT    NOT NULL,
    received_us  INTEGER NOT NULL,
    PRIMARY KEY (id, version_us, owner)
);
