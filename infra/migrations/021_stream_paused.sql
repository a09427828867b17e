-- A paused mapping's subscription stays registered but its listener stops staging events: the supervisor runs
-- listeners only for subscriptions that are not paused, and a resumed one picks up after the newest durable
-- replay id, so Salesforce replays what was published meanwhile.
ALTER TABLE ferry.stream_subscriptions ADD COLUMN paused boolean NOT NULL DEFAULT false;
