-- Files. An upload is recorded before its bytes are stored (`stored_at` unset) and
-- completed after, so that an upload cut short by a crash still has a row and the sweeper
-- removes whatever reached the store. An attachment belongs to its channel and uploader
-- until a message takes it; one never taken is removed after a day.
ALTER TABLE attachments
    ALTER COLUMN message_id DROP NOT NULL,
    DROP CONSTRAINT attachments_message_id_fkey,
    ADD CONSTRAINT attachments_message_id_fkey
        FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE SET NULL,
    ADD COLUMN channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    ADD COLUMN uploader_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Pixel size of an image, and the key of its thumbnail.
    ADD COLUMN width integer CHECK (width > 0),
    ADD COLUMN height integer CHECK (height > 0),
    ADD COLUMN thumb_key text,
    ADD COLUMN thumb_width integer,
    ADD COLUMN thumb_height integer,
    ADD COLUMN stored_at timestamptz,
    -- Set when the message or the account it belongs to is deleted: downloads stop at
    -- once, and the sweeper removes the objects and then the row.
    ADD COLUMN deleted_at timestamptz;

-- What the sweeper looks for: deleted attachments, and uploads no message took.
CREATE INDEX attachments_sweep_idx ON attachments (created_at)
    WHERE deleted_at IS NOT NULL OR message_id IS NULL;
CREATE INDEX attachments_uploader_idx ON attachments (uploader_id);

-- A message's attachments as its readers see them (id, name, size, media type, image
-- size, thumbnail): written once when the message is posted, read with the message.
ALTER TABLE messages ADD COLUMN files jsonb;

-- Avatars of people, bots and webhooks are objects in the same store, under `avatars/`.
-- Replaced or deleted ones are removed by the sweeper.
CREATE TABLE stale_objects (
    storage_key  text PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Tokens may be allowed to read and upload files.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check CHECK (
    scopes <@ ARRAY['messages:read', 'messages:write', 'channels:read', 'channels:write',
                    'files:read', 'files:write', 'admin']::text[]);

-- However a message becomes a tombstone (deleted, purged), its files go with it: the
-- readers' copy at once, the attachments for the sweeper.
CREATE FUNCTION messages_tombstone_files() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.files := NULL;
    UPDATE attachments SET deleted_at = now()
    WHERE message_id = NEW.id AND deleted_at IS NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER messages_tombstone_files BEFORE UPDATE OF deleted_at ON messages
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
    EXECUTE FUNCTION messages_tombstone_files();

-- The stored picture behind `avatar_url`, when it is one of ours.
ALTER TABLE users ADD COLUMN avatar_key text;
ALTER TABLE webhooks ADD COLUMN avatar_key text;
