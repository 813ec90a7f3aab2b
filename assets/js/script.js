// Footfall tracker: pageviews (including single-page-app navigation) and
// custom events, sent to /api/event without cookies. Usage:
//   <script defer data-domain="example.com" src="https://stats.example.com/js/script.js"></script>
// Custom events: footfall('Signup', {props: {plan: 'pro'}, revenue: {amount: 9.99, currency: 'EUR'}})
(function () {
  'use strict';
  var w = window, d = document, l = w.location, s = d.currentScript;
  var attr = function (n) { return s && s.getAttribute(n); };
  var api = attr('data-api') || new URL(s.src).origin + '/api/event';
  var domain = attr('data-domain') || l.hostname;
  var hash = attr('data-hash') !== null;
  var queued = (w.footfall && w.footfall.q) || [];
  var last;

  function ignored() {
    try { if (w.localStorage.footfall_ignore === 'true') return 1; } catch (e) {}
    if (attr('data-allow-local') !== null) return 0;
    return /^(localhost|127\.|\[::1\]|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)|\.local$/.test(l.hostname) ||
      l.protocol === 'file:' || w._phantom || w.__nightmare || w.navigator.webdriver;
  }

  function send(name, opts) {
    if (ignored()) return;
    opts = opts || {};
    var body = { n: name, u: l.href, d: domain, r: d.referrer || null };
    if (hash) body.h = 1;
    if (opts.props) body.p = opts.props;
    if (opts.revenue) body.$ = opts.revenue;
    var data = JSON.stringify(body);
    if (w.fetch) {
      fetch(api, { method: 'POST', body: data, keepalive: true, headers: { 'Content-Type': 'text/plain' } })
        .then(function () { opts.callback && opts.callback(); }, function () {});
    } else if (w.navigator.sendBeacon) {
      w.navigator.sendBeacon(api, data);
    }
  }

  function page() {
    var here = l.pathname + (hash ? l.hash : '');
    if (here === last) return;
    last = here;
    send('pageview');
  }

  var push = w.history.pushState;
  if (push) {
    w.history.pushState = function () { push.apply(this, arguments); page(); };
    w.addEventListener('popstate', page);
  }
  if (hash) w.addEventListener('hashchange', page);

  w.footfall = function (name, opts) { send(name, opts); };
  for (var i = 0; i < queued.length; i++) w.footfall.apply(w, queued[i]);

  if (d.visibilityState === 'prerender') {
    d.addEventListener('visibilitychange', function () { if (!last && d.visibilityState === 'visible') page(); });
  } else {
    page();
  }
})();
