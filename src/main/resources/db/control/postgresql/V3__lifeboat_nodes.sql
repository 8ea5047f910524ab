-- Each serve node's configured schedules, refreshed while it runs: a node never removes a schedule
-- another live node still runs, and nodes whose schedules disagree are reported (issue 19).
CREATE TABLE LIFEBOAT_NODES (
  INSTANCE_ID VARCHAR(200) NOT NULL PRIMARY KEY,
  NODE VARCHAR(200) NOT NULL,
  SCHEDULES TEXT NOT NULL,
  STARTED_AT TIMESTAMP NOT NULL,
  SEEN_AT TIMESTAMP NOT NULL
);
