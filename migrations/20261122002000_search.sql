-- Search helpers.
--
-- `messages.search` (english, stemmed) finds "deploys" for "deploying", but a partial word
-- that runs past the stem ("deployi") cannot match a stemmed lexeme ("deploy") as a
-- prefix. So every message also gets an unstemmed ('simple') vector, and a word matches
-- when it prefixes a lexeme of either; exact phrases match the unstemmed vector.
--
-- The unstemmed vector is built from the HTML-escaped body: the text-search parser skips
-- anything that looks like an HTML tag, so "a<b and c>d" would otherwise lose its words;
-- escaped, it keeps them, and it is exactly the text search snippets are cut from.

-- The body as safe HTML text: `&`, `<`, `>`, `"` and `'` become entities.
CREATE FUNCTION html_escape(body text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(replace(replace(replace(replace(
        body, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');

ALTER TABLE messages ADD COLUMN search_simple tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, html_escape(body_md))) STORED;
CREATE INDEX messages_search_simple_idx ON messages USING gin (search_simple);
