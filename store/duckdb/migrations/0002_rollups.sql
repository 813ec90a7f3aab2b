-- Rollups: visit-level sums per (site, visitor day, dimension, value), for
-- visitor days that can no longer change. A visitor id carries the day of
-- its salt in its high 32 bits and a visit belongs to one visitor, so
-- distinct visitors, visits and their sums add up across visitor days
-- exactly. rollup_days lists the rolled-up visitor days with the time span
-- of their events: a query may use a day's rollup only when that whole
-- span lies in its range.
CREATE TABLE rollup_days (
    site_id BIGINT NOT NULL,
    vday    BIGINT NOT NULL, -- visitor_id >> 32: days since 1970-01-01
    min_ts  BIGINT NOT NULL,
    max_ts  BIGINT NOT NULL
);

CREATE TABLE rollup_visits (
    site_id   BIGINT  NOT NULL,
    vday      BIGINT  NOT NULL,
    dim       VARCHAR NOT NULL, -- '' for the site's totals, else a visit dimension (visit:source, …)
    value     VARCHAR NOT NULL,
    visitors  BIGINT  NOT NULL,
    visits    BIGINT  NOT NULL,
    pageviews BIGINT  NOT NULL,
    events    BIGINT  NOT NULL,
    bounces   BIGINT  NOT NULL,
    duration  BIGINT  NOT NULL  -- ms, summed over visits
);
