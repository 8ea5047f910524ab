-- The manifest signing public keys of the hosts that share this control database: a node trusts
-- the backups its cluster's other nodes signed without each node listing the others' keys.
CREATE TABLE LIFEBOAT_SIGNING_KEYS (
  FINGERPRINT VARCHAR(100) NOT NULL PRIMARY KEY,
  PUBLIC_KEY VARCHAR(200) NOT NULL,
  NODE VARCHAR(200) NOT NULL,
  RECORDED_AT TIMESTAMP NOT NULL
);
