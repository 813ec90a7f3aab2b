// Footfall's tracker. `go generate ./ui/tracker` builds two files from it:
//   assets/js/script.core.js  FULL=false: pageviews, single-page-app
//                             navigation, custom events (API and data-
//                             attributes), opt-out, local/bot/DNT skipping.
//   assets/js/script.js       FULL=true: all of that, plus engagement
//                             (engaged time, scroll depth), Navigation
//                             Timing, Core Web Vitals and the opt-in
//                             outbound-link, file-download and 404 events.
// The body is Plausible's Events API ({n,u,d,r,h,p,$}); engagement reports
// add sd (scroll depth %), e (engaged ms) and pf (performance; see
// app/ingest/decode.go). Every byte here is downloaded by every visitor of
// every site: size_test.go holds the gzip sizes to their budgets, so the
// code below prefers the shorter of two equivalent forms.
/* global FULL */
((w, d, loc, data) => {
  // data is the script tag's dataset: data-allow-local is data.allowLocal.
  const api = data.api || new URL(d.currentScript.src).origin + '/api/event'
  const hashMode = 'hash' in data
  const on = (type, fn, target = w) => target.addEventListener(type, fn)
  const here = () => loc.pathname + (hashMode ? loc.hash : '')
  let url // the page being viewed, as its pageview sent it
  let last // its here(): the same page is not counted twice in a row
  let report // FULL: sends the engagement report of the page being left
  let timing // FULL: the page load's PerformanceNavigationTiming

  // Automated browsers, Do-Not-Track (with data-dnt) and local pages
  // (unless data-allow-local) send nothing; nor does a browser whose
  // localStorage holds footfall_ignore = "true".
  const off =
    navigator.webdriver ||
    ('dnt' in data && navigator.doNotTrack == 1) ||
    (!('allowLocal' in data) && /^(localhost|[\d.]+|\[.*|)$|\.local(host)?$/.test(loc.hostname))

  // send posts one event with fetch keepalive, which outlives the page like
  // sendBeacon but sends no cookies to the stats server. The callback runs
  // once the request is done, failed or skipped.
  const send = (name, o = {}, extra) => {
    const done = o.callback || (() => {})
    try {
      if (off || localStorage.footfall_ignore == 'true') return done()
    } catch (e) {}
    fetch(api, {
      method: 'POST',
      keepalive: true,
      body: JSON.stringify({
        n: name,
        u: o.u || url || loc.href,
        d: data.domain || loc.hostname,
        r: d.referrer,
        h: +hashMode,
        p: o.props,
        $: o.revenue,
        ...extra,
      }),
    }).then(done, done)
  }

  if (FULL) {
    // Engagement: engaged time counts while the page is visible; scroll
    // depth is the furthest point of the page seen, in percent.
    let engaged = 0
    let visibleSince
    let depth = 0
    let depthSent = 0
    let perf = 1 // the first report of a page load carries its measurements
    const tick = (now = Date.now()) => {
      engaged += visibleSince ? now - visibleSince : 0
      visibleSince = d.visibilityState == 'visible' && now
    }
    tick()
    const visibleAtStart = visibleSince
    // (the server rounds it and caps it at 100)
    const measure = () => (depth = Math.max(depth, ((scrollY + innerHeight) / d.documentElement.scrollHeight) * 100))
    // Core Web Vitals: the tracker sends the browser's own entries and the
    // server applies the official definitions (app/ingest/perf.go): the
    // navigation's PerformanceNavigationTiming as it is (nt), FCP and LCP
    // (for a page visible from the start), layout shifts not caused by
    // input as [startTime, value] (ls, CLS), event timings of interactions
    // as [interactionId, duration] (ix) and the interaction count (ic, INP).
    let lcp
    let shifts
    const interactions = []
    timing = () => performance.getEntriesByType('navigation')[0]
    report = (next) => {
      tick()
      measure()
      let pf
      const nt = perf && timing()
      if (nt) {
        pf = { nt, ls: shifts, ix: interactions, ic: performance.interactionCount }
        if (visibleAtStart) {
          pf.fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime
          pf.lcp = lcp
        }
      }
      perf = 0
      // (in manual mode there is no page to report before the first pageview)
      if (url && (engaged || depth > depthSent || pf)) send('engagement', 0, { u: url, sd: depth, e: engaged, pf })
      engaged = 0
      depthSent = depth = next ? 0 : depth
    }
    const observe = (type, fn, options) => {
      try {
        new PerformanceObserver((list) => list.getEntries().forEach(fn)).observe({ type, buffered: true, ...options })
        return 1
      } catch (e) {}
    }
    observe('largest-contentful-paint', (e) => (lcp = e.startTime))
    // (At most 300 shifts and 1000 event timings: a long-lived page must
    // not outgrow the 64 KB a keepalive request may carry.)
    if (observe('layout-shift', (e) => e.hadRecentInput || shifts[299] || shifts.push([e.startTime, e.value])))
      shifts = []
    observe(
      'event',
      (e) => e.interactionId && !interactions[999] && interactions.push([e.interactionId, e.duration]),
      { durationThreshold: 16 }
    )

    on('scroll', measure)
    on('visibilitychange', () => (d.visibilityState < 'v' ? report() : tick()), d) // "hidden" or "visible"
    // The page is gone: its clock stops with this report.
    on('pagehide', () => {
      report()
      visibleSince = 0
    })
  }

  const pageview = (o) => {
    if (FULL && url) report(1)
    url = o?.u || loc.href
    last = here()
    send('pageview', o)
  }
  const auto = () => 'manual' in data || last == here() || pageview()

  // Single-page apps: history changes and, in hash mode, hash changes.
  for (const method of ['pushState', 'replaceState']) {
    const original = history[method]
    history[method] = function () {
      original.apply(this, arguments)
      auto()
    }
  }
  on('popstate', auto)
  if (hashMode) on('hashchange', auto)
  // A page restored from the back/forward cache is viewed again.
  on('pageshow', (e) => e.persisted && auto((last = 0)))

  if (FULL) {
    // On click (and middle click): custom events of elements tagged
    // data-footfall-event="Signup", with props from
    // data-footfall-event-<prop>="value" and revenue from
    // data-footfall-revenue="9.99 EUR"; with data-outbound-links, links to
    // other hosts; with data-file-downloads[="pdf,zip"], links to files.
    const click = (e) => {
      const el = e.target.closest('[data-footfall-event]')
      const a = e.target.closest('a')
      const file = a?.origin + a?.pathname
      if (e.button > 1) return
      if (el) {
        const o = { props: {} }
        const [amount, currency] = (el.dataset.footfallRevenue || '').split(' ')
        for (const a of el.attributes) a.name.replace(/^data-footfall-event-(.+)/, (_, k) => (o.props[k] = a.value))
        if (currency) o.revenue = { amount, currency }
        send(el.dataset.footfallEvent, o)
      }
      if (a)
        'outboundLinks' in data && a.host && a.host != loc.host
          ? send('Outbound Link: Click', { props: { url: a.href } })
          : 'fileDownloads' in data &&
            (data.fileDownloads || 'pdf,zip,dmg,exe,apk,csv,xlsx,docx,mp3,mp4')
              .split(',')
              .includes(file.split('.').pop().toLowerCase()) &&
            send('File Download', { props: { url: file } })
    }
    on('click', click, d)
    on('auxclick', click, d)
  }

  // The global API. Calls made before the script loaded wait in footfall.q:
  //   window.footfall = window.footfall || function () { (window.footfall.q = window.footfall.q || []).push(arguments) }
  const queued = w.footfall?.q || []
  w.footfall = (name, o) => (name == 'pageview' ? pageview(o) : send(name, o))

  if (d.prerendering) on('prerenderingchange', auto, d)
  else auto()
  // data-404: a page served with status 404 also sends a "404" event.
  if (FULL && '404' in data && timing()?.responseStatus == 404) send('404', { props: { path: loc.pathname } })
  for (const args of queued) w.footfall(...args)
})(window, document, location, document.currentScript.dataset)
