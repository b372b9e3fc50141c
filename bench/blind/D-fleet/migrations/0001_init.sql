CREATE TABLE IF NOT EXISTS shipments (
    id         BIGSERIAL PRIMARY KEY,
    tracking   TEXT NOT NULL UNIQUE,
    status     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
