-- Sign-in attempts per (login, client address). Each attempt is counted before the password is checked,
-- so parallel guesses cannot slip past the limit; keying by address means a stranger's guesses lock
-- only the stranger out, never the owner signing in from elsewhere.
CREATE TABLE staff_sign_in_attempts (
  login text NOT NULL,
  ip text NOT NULL,
  attempts integer NOT NULL CHECK (attempts > 0),
  last_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (login, ip)
);
CREATE INDEX staff_sign_in_attempts_last ON staff_sign_in_attempts (last_at);
