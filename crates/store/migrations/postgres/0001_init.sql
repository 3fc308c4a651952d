-- Same shape as the SQLite schema (see migrations/sqlite/0001_init.sql for the why of each table),
-- with native uuid, timestamptz and jsonb types.
CREATE TABLE docs (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL,
    account_id  uuid,
    number      text,
    status      text,
    at          timestamptz NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    data        jsonb NOT NULL
);
CREATE INDEX docs_kind_id ON docs(kind, id);
CREATE INDEX docs_kind_account ON docs(kind, account_id, id);
CREATE INDEX docs_kind_status ON docs(kind, status, id);
CREATE UNIQUE INDEX docs_kind_number ON docs(kind, number) WHERE number IS NOT NULL;

CREATE TABLE doc_keys (
    kind    text NOT NULL,
    key     text NOT NULL,
    doc_id  uuid NOT NULL,
    PRIMARY KEY (kind, key, doc_id)
);

CREATE TABLE events (
    seq           bigserial PRIMARY KEY,
    id            uuid NOT NULL UNIQUE,
    at            timestamptz NOT NULL,
    kind          text NOT NULL,
    subject_kind  text NOT NULL,
    subject_id    uuid NOT NULL,
    account_id    uuid,
    actor_kind    text NOT NULL,
    actor_id      text,
    actor_name    text NOT NULL,
    reason        text,
    data          jsonb NOT NULL
);
CREATE INDEX events_subject ON events(subject_id, seq);
CREATE INDEX events_account ON events(account_id, seq);

CREATE TABLE idempotency (
    principal     text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status        integer NOT NULL,
    body          text NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);

CREATE TABLE dedup (
    scope   uuid NOT NULL,
    key     text NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE counters (
    name   text PRIMARY KEY,
    value  bigint NOT NULL
);
