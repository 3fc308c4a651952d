-- Aggregates are stored as versioned JSON documents; the columns beside `data` exist only to find
-- and filter them. `version` implements optimistic concurrency (ETag / If-Match).
CREATE TABLE docs (
    id          BLOB PRIMARY KEY,          -- UUIDv7: time-ordered, so id order is creation order
    kind        TEXT NOT NULL,             -- account, order, invoice, payment, ...
    account_id  BLOB,                      -- owning customer account; NULL for seller-level docs
    number      TEXT,                      -- human number (SO-…, INV-…), unique per kind
    status      TEXT,                      -- derived status at the last write, for filtering only
    at          TEXT NOT NULL,             -- business time (placed, issued, received), RFC 3339 UTC
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    data        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX docs_kind_id ON docs(kind, id);
CREATE INDEX docs_kind_account ON docs(kind, account_id, id);
CREATE INDEX docs_kind_status ON docs(kind, status, id);
CREATE UNIQUE INDEX docs_kind_number ON docs(kind, number) WHERE number IS NOT NULL;

-- Secondary keys: tracking number -> order, shipment -> order, order -> invoices, location -> orders.
CREATE TABLE doc_keys (
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    doc_id  BLOB NOT NULL,
    PRIMARY KEY (kind, key, doc_id)
) WITHOUT ROWID;

-- The append-only timeline. Written in the same transaction as the change it describes.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            BLOB NOT NULL UNIQUE,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    BLOB NOT NULL,
    account_id    BLOB,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT,
    actor_name    TEXT NOT NULL,
    reason        TEXT,
    data          TEXT NOT NULL
);
CREATE INDEX events_subject ON events(subject_id, seq);
CREATE INDEX events_account ON events(account_id, seq);

-- Replays of POSTs carrying an Idempotency-Key: the first response is stored with the change.
CREATE TABLE idempotency (
    principal     TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (principal, key)
) WITHOUT ROWID;

-- De-duplication of inbound messages (tracking events): a key seen twice is refused the second time.
CREATE TABLE dedup (
    scope   BLOB NOT NULL,
    key     TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
