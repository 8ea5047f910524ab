-- Indexes for reading and removing old runs (history, and serve's job-history retention): Spring
-- Batch's schema leaves its foreign keys without them, so every lookup of a run's parameters or
-- steps read the whole table.
CREATE INDEX BATCH_JOB_EXECUTION_PARAMS_EXEC_IX ON BATCH_JOB_EXECUTION_PARAMS (JOB_EXECUTION_ID);
CREATE INDEX BATCH_STEP_EXECUTION_EXEC_IX ON BATCH_STEP_EXECUTION (JOB_EXECUTION_ID);
CREATE INDEX BATCH_JOB_EXECUTION_INST_IX ON BATCH_JOB_EXECUTION (JOB_INSTANCE_ID);
