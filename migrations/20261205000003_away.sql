-- `/away` and `/back`: someone who says they are away shows offline to others, whether or
-- not their clients are open, until they say they are back.
ALTER TABLE users ADD COLUMN away boolean NOT NULL DEFAULT false;
