-- posapp on PostgreSQL with two roles (issue #16): the application cannot change its own guards.
--
-- posapp_owner owns the schema: it runs `posapp db upgrade` (migrations) and nothing else. Keep its
-- password off the registers. posapp_app is what every register's POSAPP_DATABASE_URL names: it
-- does not own the tables, so it cannot ALTER TABLE … DISABLE TRIGGER or DROP TRIGGER, it is no
-- superuser, so it cannot SET session_replication_role = replica, and it has no UPDATE, DELETE
-- or TRUNCATE on the audit log and the ledger at all (the triggers refuse them as well).
--
-- Run as a superuser once (names and passwords are examples):
--   CREATE ROLE posapp_owner LOGIN PASSWORD '…';
--   CREATE ROLE posapp_app LOGIN PASSWORD '…' NOSUPERUSER NOCREATEDB NOCREATEROLE;
--   CREATE DATABASE posapp OWNER posapp_owner;
--   \c posapp
--   REVOKE CREATE ON SCHEMA public FROM PUBLIC;
--   ALTER SCHEMA public OWNER TO posapp_owner;
-- then `POSAPP_DATABASE_URL=postgresql+psycopg://posapp_owner@…/posapp posapp db upgrade`,
-- then this file as posapp_owner (psql -f docs/postgres-roles.sql), and again after every upgrade
-- that adds tables (the default privileges below cover tables the owner creates later).
-- tests/integration/test_pg_roles.py runs exactly this file.

GRANT CONNECT, TEMPORARY ON DATABASE posapp TO posapp_app;
GRANT USAGE ON SCHEMA public TO posapp_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO posapp_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO posapp_app;
ALTER DEFAULT PRIVILEGES FOR ROLE posapp_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO posapp_app;
ALTER DEFAULT PRIVILEGES FOR ROLE posapp_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO posapp_app;
-- Append-only: the application may add to the audit log and the ledger, never change them.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, ledger_transactions, ledger_entries FROM posapp_app;
-- The version table is the owner's business.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM posapp_app;
