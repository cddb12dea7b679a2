-- Which job took a new contact's welcome: the welcome job (ahead of all work) or the callback's own job
-- (send first, sync after). One sends; the other waits for the outcome. A retry of the one that took it
-- sends again, so a lost answer meets 41051 and counts as sent.
ALTER TABLE wecom_callbacks ADD COLUMN welcome_claim text;
