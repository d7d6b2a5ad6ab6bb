-- The same table as sqlite/0007_form_replies.sql.

CREATE TABLE form_replies (
    token TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    response_url TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX form_replies_created ON form_replies (created_at);
