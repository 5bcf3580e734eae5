-- The access rule inside the queries (selat_core::policy): audience labels, and sharing groups.
--
-- Every object version carries a few audience labels, computed by the rule at ingest (its owner,
-- `community`, `clients:<member state>`, `group:<id>`, …). A viewer holds labels too; it may see a
-- version when the two sets meet (and, for an older version, when it also meets the latest
-- version's set). `entry_labels` repeats a version's labels for each collection entry, clustered
-- by (collection, label, date_added): a viewer's page is one short range scan per label it holds,
-- so its cost follows what the viewer may see, not the size of the collection.

CREATE TABLE object_labels (
    seq    INTEGER NOT NULL,
    label  TEXT    NOT NULL,
    PRIMARY KEY (seq, label)
) WITHOUT ROWID;

CREATE TABLE entry_labels (
    collection_key  INTEGER NOT NULL,
    label           TEXT    NOT NULL,
    date_added_us   INTEGER NOT NULL,
    PRIMARY KEY (collection_key, label, date_added_us)
) WITHOUT ROWID;

-- Versions stored before this schema: their owner, and the community for what the default scope
-- shares (objects of other scopes stay visible to their owner only until re-sent).
INSERT INTO object_labels (seq, label)
    SELECT seq, 'org:' || owner FROM object_versions;
INSERT OR IGNORE INTO object_labels (seq, label)
    SELECT seq, 'community' FROM object_versions WHERE scope = 'community' AND COALESCE(tlp, '') <> 'red';
INSERT OR IGNORE INTO object_labels (seq, label)
    SELECT seq, 'community-clients' FROM object_versions
    WHERE scope = 'community' AND COALESCE(tlp, 'amber') IN ('clear', 'green', 'amber');
INSERT OR IGNORE INTO object_labels (seq, label)
    SELECT seq, 'public' FROM object_versions WHERE scope = 'community' AND tlp = 'clear';
INSERT INTO entry_labels (collection_key, label, date_added_us)
    SELECT e.collection_key, l.label, e.date_added_us
    FROM collection_entries AS e JOIN object_labels AS l ON l.seq = e.seq;

-- Sharing groups (x-selat-sharing-group): a named set of organisations (identity ids) that an
-- object of scope `group` reaches; managed by its owner organisation's admins.
CREATE TABLE sharing_groups (
    id           TEXT    PRIMARY KEY NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT,
    owner        TEXT    NOT NULL,                  -- the owning organisation's identity id
    created_us   INTEGER NOT NULL,
    modified_us  INTEGER NOT NULL
);

CREATE TABLE sharing_group_members (
    group_id  TEXT NOT NULL REFERENCES sharing_groups (id) ON DELETE CASCADE,
    member    TEXT NOT NULL,                        -- an organisation's identity id
    PRIMARY KEY (group_id, member)
) WITHOUT ROWID;
CREATE INDEX sharing_group_members_member ON sharing_group_members (member);
