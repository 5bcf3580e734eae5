-- Who is who on a node: organisations, users, API tokens; TAXII status resources with the
-- request bodies they stand for; node settings (secrets).

CREATE TABLE organisations (
    short_name   TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    parent       TEXT REFERENCES organisations (short_name),
    identity     TEXT NOT NULL UNIQUE,
    member_since TEXT,
    created_us   INTEGER NOT NULL
);

CREATE TABLE users (
    username         TEXT PRIMARY KEY NOT NULL,
    org              TEXT NOT NULL REFERENCES organisations (short_name),
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    locked_until_us  INTEGER,
    totp_secret      TEXT,
    created_us       INTEGER NOT NULL,
    disabled         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_org ON users (org);

CREATE TABLE api_tokens (
    id             TEXT PRIMARY KEY NOT NULL,
    org            TEXT NOT NULL REFERENCES organisations (short_name),
    role           TEXT NOT NULL,
    username       TEXT REFERENCES users (username),
    label          TEXT NOT NULL,
    secret_sha256  BLOB NOT NULL,
    created_us     INTEGER NOT NULL,
    expires_us     INTEGER,
    revoked_us     INTEGER
);
CREATE INDEX api_tokens_org ON api_tokens (org);

-- One row per TAXII POST. `request` holds the body until the objects are stored, so a restart
-- resumes every pending request; `resource` is the status resource as last written.
CREATE TABLE taxii_statuses (
    id             TEXT PRIMARY KEY NOT NULL,
    collection_id  TEXT NOT NULL,
    owner          TEXT NOT NULL,
    request_us     INTEGER NOT NULL,
    updated_us     INTEGER NOT NULL,
    complete       INTEGER NOT NULL DEFAULT 0,
    resource       TEXT NOT NULL,
    request        BLOB
);
CREATE INDEX taxii_statuses_pending ON taxii_statuses (complete, request_us);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  BLOB NOT NULL
);
