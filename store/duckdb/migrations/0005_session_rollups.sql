-- One row per visit of a rolled-up visitor day: its stamped attributes,
-- counts, duration and exit page, as a visit-level query computes them
-- from raw events. Filtered visit-level queries (any filter on visit
-- attributes) read these rows instead of grouping the day's events by
-- visit again. rollup_session_days lists the (site, visitor day) pairs
-- whose visits are here: days rolled up before this table existed are
-- added by the next rollup run, and a day missing from it is read from
-- raw events.
CREATE TABLE rollup_sessions (
    site_id         BIGINT  NOT NULL,
    vday            BIGINT  NOT NULL,
    visitor_id      UBIGINT NOT NULL,
    session_id      UBIGINT NOT NULL,
    n_act           BIGINT  NOT NULL, -- events other than engagement reports
    s_pv            BIGINT  NOT NULL,
    s_ce            BIGINT  NOT NULL, -- custom events
    s_dur           BIGINT  NOT NULL, -- ms from first to last event
    s_exit          VARCHAR NOT NULL,
    entry_page      VARCHAR NOT NULL,
    referrer        VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,
    utm_source      VARCHAR NOT NULL,
    utm_medium      VARCHAR NOT NULL,
    utm_campaign    VARCHAR NOT NULL,
    utm_content     VARCHAR NOT NULL,
    utm_term        VARCHAR NOT NULL,
    country         VARCHAR NOT NULL,
    region          VARCHAR NOT NULL,
    city            VARCHAR NOT NULL,
    browser         VARCHAR NOT NULL,
    browser_version VARCHAR NOT NULL,
    os              VARCHAR NOT NULL,
    os_version      VARCHAR NOT NULL,
    device          VARCHAR NOT NULL,
    screen          VARCHAR NOT NULL
);

CREATE TABLE rollup_session_days (
    site_id BIGINT NOT NULL,
    vday    BIGINT NOT NULL
);
