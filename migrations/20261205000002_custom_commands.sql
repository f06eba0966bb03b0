-- A community's own slash commands: `/deploy` posts to an outside endpoint, signed as
-- Slack signs slash commands, and shows or posts what it answers.
CREATE TABLE custom_commands (
    id           uuid PRIMARY KEY,
    community_id uuid NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    -- Lower case, without the `/`; never a built-in command's name.
    name         text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,31}$'),
    url          text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    usage        text NOT NULL DEFAULT '' CHECK (length(usage) <= 200),
    -- The HMAC key requests are signed with; the endpoint holds it too, so it is kept
    -- as given, and shown once.
    secret       text NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT custom_commands_name_key UNIQUE (community_id, name)
);
