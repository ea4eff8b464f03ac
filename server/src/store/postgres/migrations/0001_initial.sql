-- The update log: one row per accepted update, written once.
CREATE TABLE quire_log (
    doc      TEXT   NOT NULL,
    seq      BIGINT NOT NULL,
    ts       BIGINT NOT NULL,
    author   TEXT   NOT NULL,
    inserted BIGINT NOT NULL,
    deleted  BIGINT NOT NULL,
    "update" BYTEA  NOT NULL,
    PRIMARY KEY (doc, seq)
);

-- Full states after log entry `seq`, with who owns each Yjs client id and
-- the per-author statistics up to there.
CREATE TABLE quire_checkpoints (
    doc       TEXT   NOT NULL,
    seq       BIGINT NOT NULL,
    state     BYTEA  NOT NULL,
    bindings  JSONB  NOT NULL,
    stats     JSONB  NOT NULL,
    log_bytes BIGINT NOT NULL,
    bytes     BIGINT NOT NULL,
    PRIMARY KEY (doc, seq)
);

-- Documents' metadata (title, group, counts, author names) as JSON.
CREATE TABLE quire_documents (
    doc  TEXT  PRIMARY KEY,
    meta JSONB NOT NULL
);

-- Server-wide settings: groups, members, revocations, the server key,
-- tombstones.
CREATE TABLE quire_settings (
    key   TEXT  PRIMARY KEY,
    value BYTEA NOT NULL
);
