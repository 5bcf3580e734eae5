-- The observable index (DESIGN.md "Data"): value → object versions, filled at ingest with the
-- values selat-core extracts from each version (an SCO's own values, the literals an indicator's
-- pattern compares with, the indicator a sighting is of). Correlation reads it through the access
-- rule at query time; no table of pairs is ever stored. Mirrors the SQLite schema.
--
-- `value_key` is a 64-bit hash of `value` (as `id_key` is of ids): the index stays small whatever
-- the values' length, and every look-up also compares `value` itself.
--
-- Versions stored before this migration are not in the index until they are re-sent.
CREATE TABLE observables (
    value_key  BIGINT  NOT NULL,
    seq        BIGINT  NOT NULL,
    kind       TEXT    COLLATE "C" NOT NULL,
    value      TEXT    COLLATE "C" NOT NULL
);

-- One value's holders, newest version first: one index range per looked-up value.
CREATE INDEX observables_value ON observables (value_key, seq);
