-- Runs once when the compose stack's Postgres volume is first created: ferry's own database and role.
CREATE ROLE ferry LOGIN PASSWORD 'ferry';
CREATE DATABASE ferry OWNER ferry;
