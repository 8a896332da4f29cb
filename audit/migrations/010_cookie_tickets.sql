-- One-time tickets that turn a sign-in into an HttpOnly session cookie (issue 13): the page hands the server
-- a ticket, and the server's answer sets the cookie, which no script on the page can then read. A ticket
-- lives a minute and is deleted when used; only its digest is the key.
CREATE TABLE cookie_tickets (
    ticket_sha256 VARCHAR PRIMARY KEY,
    token         VARCHAR NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
