#!/bin/sh
# Runs once, when the compose stack's Postgres volume is first created (docker-entrypoint-initdb.d): ferry's own
# role and database, with the password from .env (FERRY_DB_PASSWORD), and Temporal's two databases.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v ferry_password="$FERRY_DB_PASSWORD" <<'SQL'
CREATE ROLE ferry LOGIN PASSWORD :'ferry_password';
CREATE DATABASE ferry OWNER ferry;
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
