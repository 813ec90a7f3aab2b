-- One wide row per event (DESIGN §6). Each batch is appended sorted by
-- (site_id, ts), and batches arrive in time order, so the zone maps of ts
-- prune time ranges; no index is created because the planner would not use it.
--
-- Strings that identify a value ("" = none) are NOT NULL VARCHAR: DuckDB
-- dictionary-compresses them per segment, which beats ENUMs that would need
-- a schema change per new value. Measurements use NULL for "not measured":
-- a NULL-only segment costs almost nothing, and aggregates skip NULLs
-- without a FILTER.
CREATE TABLE events (
    ts               BIGINT   NOT NULL, -- Unix milliseconds, UTC
    site_id          BIGINT   NOT NULL,
    visitor_id       UBIGINT  NOT NULL,
    session_id       UBIGINT  NOT NULL,
    name             VARCHAR  NOT NULL,
    hostname         VARCHAR  NOT NULL,
    pathname         VARCHAR  NOT NULL,
    entry_page       VARCHAR  NOT NULL,
    referrer         VARCHAR  NOT NULL,
    source           VARCHAR  NOT NULL,
    channel          VARCHAR  NOT NULL,
    utm_source       VARCHAR  NOT NULL,
    utm_medium       VARCHAR  NOT NULL,
    utm_campaign     VARCHAR  NOT NULL,
    utm_content      VARCHAR  NOT NULL,
    utm_term         VARCHAR  NOT NULL,
    country          VARCHAR  NOT NULL,
    region           VARCHAR  NOT NULL,
    city             VARCHAR  NOT NULL,
    browser          VARCHAR  NOT NULL,
    browser_version  VARCHAR  NOT NULL,
    os               VARCHAR  NOT NULL,
    os_version       VARCHAR  NOT NULL,
    device           VARCHAR  NOT NULL,
    screen           VARCHAR  NOT NULL,
    props            MAP(VARCHAR, VARCHAR), -- keys sorted; NULL when none
    revenue_amount   DECIMAL(18, 4),        -- NULL when none
    revenue_currency VARCHAR,               -- NULL when none
    engagement_ms    UINTEGER,
    scroll_depth     UTINYINT,              -- percent
    lcp_ms           UINTEGER,
    cls              REAL,
    inp_ms           UINTEGER,
    fcp_ms           UINTEGER,
    ttfb_ms          UINTEGER,
    dns_ms           UINTEGER,
    connect_ms       UINTEGER,
    tls_ms           UINTEGER,
    response_ms      UINTEGER,
    dom_ms           UINTEGER,
    load_ms          UINTEGER,
    transfer_bytes   UINTEGER
);

-- The ingest queue position of the last batch stored (AppendSeq), updated
-- in the same transaction as the batch's events. Always exactly one row.
CREATE TABLE queue_position (
    seq UBIGINT NOT NULL
);
INSERT INTO queue_position VALUES (0);
