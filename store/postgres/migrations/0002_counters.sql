-- Named counters hand out blocks of ids (e.g. session ids) that are never
-- reused, across restarts and replicas: small, dense ids compress far
-- better in the events store than random 64-bit ones.
CREATE TABLE counters (
    name TEXT   NOT NULL PRIMARY KEY,
    next BIGINT NOT NULL
);
