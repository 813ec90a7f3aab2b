-- Goal completions per (site, visitor day, goal) for rolled-up days.
-- Goals live in the app database and change; a goal is keyed here by its
-- definition ("event:Signup", "page:/docs/**"), so renaming one keeps its
-- rows and a new one is computed for the days that lack it. A row per
-- rolled day and goal exists even when nobody completed it: absence means
-- "not computed", not "zero".
CREATE TABLE rollup_goals (
    site_id   BIGINT  NOT NULL,
    vday      BIGINT  NOT NULL,
    goal      VARCHAR NOT NULL,
    visitors  BIGINT  NOT NULL,
    visits    BIGINT  NOT NULL,
    pageviews BIGINT  NOT NULL,
    events    BIGINT  NOT NULL
);
