-- Each serve node's WAL receivers (issue 21): one row per target and node, written on each state
-- change and every 10 s, so `wal status` and the doctor see which node streams a target's WAL and
-- how far each store got. SEEN_AT is the control database's clock, as in LIFEBOAT_NODES.
CREATE TABLE LIFEBOAT_WAL_RECEIVERS (
  TARGET VARCHAR(100) NOT NULL,
  INSTANCE_ID VARCHAR(200) NOT NULL,
  NODE VARCHAR(200) NOT NULL,
  STATE VARCHAR(20) NOT NULL,
  DETAIL VARCHAR(1000),
  SINCE TIMESTAMP NOT NULL,
  SEEN_AT TIMESTAMP NOT NULL,
  SERVER_LSN VARCHAR(20),
  STREAMED_SEGMENT VARCHAR(24),
  STORES VARCHAR(4000),
  PRIMARY KEY (TARGET, INSTANCE_ID)
);

-- The Lifeboat version each node runs, so a cluster of mixed versions is visible (the doctor);
-- rows written by older nodes leave it empty.
ALTER TABLE LIFEBOAT_NODES ADD COLUMN VERSION VARCHAR(100);
