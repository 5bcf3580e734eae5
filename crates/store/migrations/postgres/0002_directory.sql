-- Selat store, PostgreSQL schema 2. Mirrors migrations/sqlite/0002_directory.sql table for table:
-- organisations, users, API tokens; TAXII status resources with the request bodies they stand
-- for; node settings (secrets). Booleans are BOOLEAN, blobs BYTEA, times BIGINT microseconds.

CREATE TABLE organisations (
    short_name   TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    parent       TEXT COLLATE "C" REFERENCES organisations (short_name),
    identity     TEXT COLLATE "C" NOT NULL UNIQUE,
    member_since TEXT,
    created_us   BIGINT NOT NULL
);

CREATE TABLE users (
    username         TEXT COLLATE "C" PRIMARY KEY,
    org              TEXT COLLATE "C" NOT NULL REFERENCES organisations (short_name),
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    failed_logins    BIGINT NOT NULL DEFAULT 0,
    locked_until_us  BIGINT,
    totp_secret      TEXT,
    created_us       BIGINT NOT NULL,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX users_org ON users (org);

CREATE TABLE api_tokens (
    id             TEXT COLLATE "C" PRIMARY KEY,
    org            TEXT COLLATE "C" NOT NULL REFERENCES organisations (short_name),
    role           TEXT NOT NULL,
    username       TEXT COLLATE "C" REFERENCES users (username),
    label          TEXT NOT NULL,
    secret_sha256  BYTEA NOT NULL,
    created_us     BIGINT NOT NULL,
    expires_us     BIGINT,
    revoked_us     BIGINT
);
CREATE INDEX api_tokens_org ON api_tokens (org);

-- One row per TAXII POST. `request` holds the body until the objects are stored, so a restart
-- resumes every pending request; `resource` is the status resource as last written.
CREATE TABLE taxii_statuses (
    id             TEXT COLLATE "C" PRIMARY KEY,
    collection_id  TEXT NOT NULL,
    owner          TEXT NOT NULL,
    request_us     BIGINT NOT NULL,
    updated_us     BIGINT NOT NULL,
    complete       BOOLEAN NOT NULL DEFAULT FALSE,
    resource       TEXT NOT NULL,
    request        BYTEA
);
CREATE INDEX taxii_statuses_pending ON taxii_statuses (request_us) WHERE NOT complete;

CREATE TABLE settings (
    key    TEXT COLLATE "C" PRIMARY KEY,
    value  BYTEA NOT NULL
);
