package seed

// The synthetic world: weighted by repetition, so common things come up
// more often.
var (
	pages = []string{"/", "/", "/", "/pricing", "/features", "/blog", "/docs", "/docs/getting-started",
		"/about", "/contact", "/signup", "/login", "/changelog", "/docs/api", "/careers"}

	referrers = []string{
		"", "", "", "", "", // direct
		"https://www.google.com/", "https://www.google.com/", "https://www.google.com/", "https://www.google.de/",
		"https://www.bing.com/", "https://duckduckgo.com/", "https://search.brave.com/", "https://www.ecosia.org/",
		"https://t.co/abc123", "https://news.ycombinator.com/item?id=1", "https://www.reddit.com/r/selfhosted/",
		"https://www.linkedin.com/", "https://github.com/footfallhq/footfall", "https://l.facebook.com/",
		"https://chatgpt.com/", "https://lobste.rs/", "https://example.org/blogroll", "https://dev.to/someone/post",
	}

	campaigns = []string{
		"?utm_source=newsletter&utm_medium=email&utm_campaign=november",
		"?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=web+analytics",
		"?utm_source=twitter&utm_medium=social&utm_campaign=launch",
		"?ref=producthunt",
	}

	userAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:144.0) Gecko/20100101 Firefox/144.0",
		"Mozilla/5.0 (X11; Linux x86_64; rv:144.0) Gecko/20100101 Firefox/144.0",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	}

	// First octets of networks in several countries, so the shipped geo
	// database gives a spread of countries.
	ipPrefixes = []byte{81, 85, 88, 91, 62, 2, 5, 77, 24, 73, 98, 174, 1, 14, 110, 177, 189, 41, 102, 203}

	customEvents = []struct {
		name, path string
		props      map[string]string
		revenue    float64
	}{
		{"Signup", "/signup", map[string]string{"plan": "free"}, 0},
		{"Signup", "/signup", map[string]string{"plan": "pro"}, 0},
		{"Purchase", "/pricing", map[string]string{"plan": "pro"}, 19},
		{"Purchase", "/pricing", map[string]string{"plan": "business"}, 49},
		{"Outbound Link: Click", "/docs", map[string]string{"url": "https://github.com/footfallhq/footfall"}, 0},
		{"File Download", "/docs", map[string]string{"url": "https://example.com/footfall.pdf"}, 0},
	}
)
