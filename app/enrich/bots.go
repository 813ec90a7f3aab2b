package enrich

import (
	"strings"

	"github.com/x-way/crawlerdetect"
)

// Bot reasons, a small fixed set so they can label metrics.
const (
	// BotEmptyUA: no user agent at all; every browser sends one.
	BotEmptyUA = "empty_ua"
	// BotHeadless: a browser driven by automation (headless Chrome,
	// PhantomJS, Selenium, Puppeteer, Playwright, …).
	BotHeadless = "headless"
	// BotTool: an HTTP library or command-line tool (curl, python-requests,
	// Go-http-client, okhttp, …), not a person in a browser.
	BotTool = "tool"
	// BotCrawler: a known crawler, spider, monitor or preview fetcher.
	BotCrawler = "crawler"
)

// BotReasons returns every value UA.BotReason can take besides "".
func BotReasons() []string {
	return []string{BotEmptyUA, BotHeadless, BotTool, BotCrawler}
}

// headlessHints are lower-case fragments that automated browsers leave in
// their user agent. Electron alone is not one: desktop apps built on it are
// used by people.
var headlessHints = []string{
	"headlesschrome",
	"headless",
	"phantomjs",
	"slimerjs",
	"puppeteer",
	"playwright",
	"selenium",
	"webdriver",
	"cypress",
	"nightmare",
	"jsdom",
	"htmlunit",
	"zombie.js",
}

// toolPrefixes are lower-case product tokens that HTTP clients put at the
// start of their user agent.
var toolPrefixes = []string{
	"curl", "libcurl", "wget", "httpie",
	"python-requests", "python-urllib", "python-httpx", "python/", "aiohttp", "httpx", "urllib3", "scrapy",
	"go-http-client", "go-resty", "fasthttp",
	"okhttp", "java/", "java ", "apache-httpclient", "jakarta commons-httpclient", "jersey", "vert.x",
	"libwww-perl", "lwp::", "mechanize", "www-mechanize",
	"axios", "node-fetch", "node/", "node.js", "undici", "got ", "got/", "superagent", "needle", "request/",
	"deno/", "bun/",
	"ruby", "faraday", "http.rb", "rest-client", "typhoeus", "excon",
	"guzzlehttp", "php/", "symfony httpclient", "wordpress/",
	"dart/", "reqwest", "hyper/", "restsharp", ".net", "powershell", "windowspowershell",
	"postmanruntime", "insomnia", "hackney", "mint/", "elixir", "colly", "cpp-httplib",
}

// toolContains are tool names that appear after a browser-like prefix.
var toolContains = []string{"windowspowershell", "powershell/"}

// botReason classifies a non-empty user agent; "" means a person, as far as
// we can tell. The cheap checks run first and also pick the more precise
// reason, since crawlerdetect flags tools and headless browsers as well.
func botReason(ua string) string {
	l := strings.ToLower(ua)
	for _, p := range toolPrefixes {
		if strings.HasPrefix(l, p) {
			return BotTool
		}
	}
	for _, h := range headlessHints {
		if strings.Contains(l, h) {
			return BotHeadless
		}
	}
	for _, t := range toolContains {
		if strings.Contains(l, t) {
			return BotTool
		}
	}
	if crawlerdetect.IsCrawler(ua) {
		return BotCrawler
	}
	return ""
}
