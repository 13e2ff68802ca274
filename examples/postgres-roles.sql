-- Least privilege for samp11's signing nodes on PostgreSQL (docs/deployment.md, "Several
-- signing nodes").
--
-- Two roles: the schema's owner, which `samp11 init --database` and the operator's other
-- `samp11` commands use (keys, signers, restore, migrate), and a node role, which the module
-- uses in the signing processes. The node role reads everything, and writes only what signing
-- writes: it appends spent hashes and audit records and can neither change nor delete them,
-- nor any key, signer, activation key, certificate or the token's identity. A node role's
-- credentials that leak let their holder add rows, never rewrite history: a forged row fails its
-- MAC (the database never holds the key of any MAC), and `samp11 audit verify` names it.
--
-- Run once per token, after `samp11 init --database`, as the schema's owner (or a superuser),
-- and again after samp11 upgrades its schema. The node role must exist (CREATE ROLE ... LOGIN):
--
--   psql "service=samp11-admin" -v schema=samp11 -v node_role=samp11_node \
--        -f /usr/share/doc/samp11/examples/postgres-roles.sql
--
-- The nodes' configuration then names the node role in its connection string ("user=samp11_node",
-- or a service whose password is in a 0600 file, never in the configuration).

\set ON_ERROR_STOP on
BEGIN;
SET LOCAL search_path = :"schema";

-- From nothing: what an earlier run or a default granted goes first.
REVOKE ALL ON ALL TABLES IN SCHEMA :"schema" FROM :"node_role";
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA :"schema" FROM PUBLIC;
REVOKE CREATE ON SCHEMA :"schema" FROM :"node_role";
GRANT USAGE ON SCHEMA :"schema" TO :"node_role";

-- A node checks every row it uses, so it reads them all. It never writes samp11_schema (an
-- upgrade's migration runs as the owner) nor state_version (the triggers move it with the
-- owner's rights: a node that could write it could hide a key's change from warm processes).
GRANT SELECT ON ALL TABLES IN SCHEMA :"schema" TO :"node_role";

-- The signing path: a spend is one insert that wins or finds the row; an audit record is
-- appended to the node's own chain, whose head moves with it.
GRANT INSERT ON spent_hashes, audit_log TO :"node_role";
GRANT INSERT, UPDATE (seq, chain, mac) ON audit_head TO :"node_role";

-- A node's first open marks that it joined (meta `node:NAME`): insert only, never an update.
GRANT INSERT ON meta TO :"node_role";

-- SADs deposited before C_Sign, and requests to the signer's device: made, answered and purged
-- by the nodes.
GRANT INSERT, DELETE ON deposited_sads, deposited_hashes TO :"node_role";
GRANT INSERT, UPDATE (state, detail, updated), DELETE ON sad_requests TO :"node_role";

-- SCAL1 PINs: a node counts failures and resets the count; setting a PIN is the operator's.
GRANT UPDATE (failures) ON signer_pins TO :"node_role";

-- Subjects enrolled as signers (signer_subjects) and the authorization servers' keys: read only,
-- above; enrolling and rotating them is the operator's.
-- One-time passwords (TOTP, OCRA): a node moves the last accepted step and counts wrong
-- responses; the secret, its parameters and enrolment are the operator's.
GRANT UPDATE (last_step, failures) ON signer_otp TO :"node_role";

COMMIT;
