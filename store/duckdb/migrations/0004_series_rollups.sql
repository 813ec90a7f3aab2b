-- Daily series per (site, visitor day, time zone, local day) for rolled-up
-- days. A visitor day straddles two local days in most zones; distinct
-- visitors and visits of one visitor day within one local day add up
-- across visitor days exactly. Session metrics use whole visits, as the
-- query does. Rows exist for the zone the site had when they were built.
CREATE TABLE rollup_series (
    site_id   BIGINT    NOT NULL,
    vday      BIGINT    NOT NULL,
    tz        VARCHAR   NOT NULL,
    day       TIMESTAMP NOT NULL, -- local midnight, as date_trunc gives it
    visitors  BIGINT    NOT NULL,
    visits    BIGINT    NOT NULL,
    pageviews BIGINT    NOT NULL,
    events    BIGINT    NOT NULL,
    bounces   BIGINT    NOT NULL,
    duration  BIGINT    NOT NULL, -- ms, summed over the visits counted
    visit_pv  BIGINT    NOT NULL  -- pageviews of those whole visits
);
