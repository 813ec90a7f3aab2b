// Package enrich turns the raw strings a tracker sends (user agent, page URL,
// referrer, data-domain) into the normalised dimensions stored on an event:
// browser, OS, device, bot verdict, hostname, pathname, UTM tags, source and
// channel.
//
// Everything here is pure: no I/O, no clocks, no globals that change after
// init. The ingest pipeline calls these functions for every event, so they
// avoid regular expressions on the hot path, allocate little, and bound every
// cache and every output length. Inputs come from the open internet; any
// string is accepted without panicking, and every output is valid UTF-8
// without control characters so that storage backends never reject it.
package enrich
