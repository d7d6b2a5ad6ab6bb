-- Where a form's answer goes: the response_url of the card a form was opened from,
-- kept here under a random token that the form's private_metadata carries, so that no
-- URL the bot posts to travels through Slack's client. Slack's response URLs live 30
-- minutes; older rows are deleted as new ones come.

CREATE TABLE form_replies (
    token TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    response_url TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX form_replies_created ON form_replies (created_at);
