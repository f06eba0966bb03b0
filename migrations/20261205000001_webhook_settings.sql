-- Incoming webhooks read what tools send (Slack-compatible, GitHub, Gitea/Forgejo,
-- Alertmanager, plain), so each webhook gets the settings those formats need, and a log of
-- its last deliveries so that an admin can see why a tool's deliveries fail.

-- The secret GitHub and Gitea sign deliveries with. It is an HMAC key, so it is kept as
-- given (a hash could not check a signature); it is never shown again once set.
ALTER TABLE webhooks
    ADD COLUMN secret text CHECK (length(secret) BETWEEN 1 AND 256),
    -- The events to post; NULL posts every event that can be rendered.
    ADD COLUMN events text[] CHECK (cardinality(events) <= 64),
    -- Whether a delivery may set its sender's name and icon, or pick another channel.
    ADD COLUMN allow_overrides boolean NOT NULL DEFAULT false,
    -- Whether successful CI runs post (failures always do).
    ADD COLUMN post_ci_successes boolean NOT NULL DEFAULT true;

CREATE TABLE webhook_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id   uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    received_at  timestamptz NOT NULL DEFAULT now(),
    format       text CHECK (length(format) <= 32),
    event        text CHECK (length(event) <= 64),
    action       text CHECK (length(action) <= 64),
    delivery_id  text CHECK (length(delivery_id) <= 128),
    status       smallint NOT NULL,
    note         text CHECK (length(note) <= 1000),
    message_id   uuid REFERENCES messages (id) ON DELETE SET NULL
);
-- A webhook's log, newest first; also what keeps it to its last 100 rows.
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
