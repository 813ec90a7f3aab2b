package enrich

import "strings"

// category is what kind of site a known source is; it drives the channel.
type category uint8

const (
	catUnknown  category = iota // not in the table
	catReferral                 // known, but with no channel of its own
	catSearch
	catSocial
	catVideo
	catShopping
	catEmail
	catAI
)

// knownSource is one row of the table of well-known sources.
type knownSource struct {
	name string
	cat  category
	// domains match themselves and any subdomain.
	domains []string
	// brands match the registrable label under any country domain, e.g.
	// "google" for google.de and google.co.uk, or "mail.yahoo" for
	// mail.yahoo.co.jp.
	brands []string
	// aliases are utm_source spellings beyond the lower-cased name, the
	// domains and the brands, which all match anyway.
	aliases []string
	// apps are Android package names, sent as android-app://<package>.
	apps []string
}

// knownSources is our own table of facts: which host belongs to which
// service. More specific rows (mail.google.com) win over broader ones
// (google.*) because exact domains are looked up before brands.
var knownSources = []knownSource{
	// Search engines.
	{name: "Google", cat: catSearch, brands: []string{"google"}, apps: []string{"com.google.android.googlequicksearchbox"}},
	{name: "Bing", cat: catSearch, domains: []string{"bing.com"}, brands: []string{"bing"}},
	{name: "DuckDuckGo", cat: catSearch, domains: []string{"duckduckgo.com", "duck.com", "ddg.gg"}, aliases: []string{"ddg"}, apps: []string{"com.duckduckgo.mobile.android"}},
	{name: "Yahoo!", cat: catSearch, brands: []string{"yahoo"}, aliases: []string{"yahoo"}},
	{name: "Yandex", cat: catSearch, domains: []string{"ya.ru"}, brands: []string{"yandex"}},
	{name: "Baidu", cat: catSearch, domains: []string{"baidu.com"}},
	{name: "Ecosia", cat: catSearch, domains: []string{"ecosia.org"}},
	{name: "Brave", cat: catSearch, domains: []string{"search.brave.com"}},
	{name: "Startpage", cat: catSearch, domains: []string{"startpage.com", "startpage.nl"}},
	{name: "Qwant", cat: catSearch, domains: []string{"qwant.com"}},
	{name: "Naver", cat: catSearch, domains: []string{"naver.com"}},
	{name: "Daum", cat: catSearch, domains: []string{"daum.net"}},
	{name: "Seznam", cat: catSearch, domains: []string{"seznam.cz"}},
	{name: "Sogou", cat: catSearch, domains: []string{"sogou.com"}},
	{name: "360 Search", cat: catSearch, domains: []string{"so.com"}},
	{name: "Kagi", cat: catSearch, domains: []string{"kagi.com"}},
	{name: "Mojeek", cat: catSearch, domains: []string{"mojeek.com"}},
	{name: "AOL", cat: catSearch, domains: []string{"aol.com"}},
	{name: "Ask", cat: catSearch, domains: []string{"ask.com"}},
	{name: "Swisscows", cat: catSearch, domains: []string{"swisscows.com"}},
	{name: "MetaGer", cat: catSearch, domains: []string{"metager.org", "metager.de"}},
	{name: "Petal Search", cat: catSearch, domains: []string{"petalsearch.com"}},
	{name: "Presearch", cat: catSearch, domains: []string{"presearch.com"}},

	// Social networks and communities.
	{name: "Facebook", cat: catSocial, domains: []string{"facebook.com", "fb.com", "fb.me", "messenger.com"}, aliases: []string{"fb"}, apps: []string{"com.facebook.katana", "com.facebook.lite", "com.facebook.orca"}},
	{name: "Instagram", cat: catSocial, domains: []string{"instagram.com"}, aliases: []string{"ig", "insta"}, apps: []string{"com.instagram.android"}},
	{name: "Twitter", cat: catSocial, domains: []string{"twitter.com", "x.com", "t.co"}, aliases: []string{"x", "tw"}, apps: []string{"com.twitter.android"}},
	{name: "LinkedIn", cat: catSocial, domains: []string{"linkedin.com", "lnkd.in"}, apps: []string{"com.linkedin.android"}},
	{name: "Reddit", cat: catSocial, domains: []string{"reddit.com", "redd.it"}, apps: []string{"com.reddit.frontpage"}},
	{name: "Hacker News", cat: catSocial, domains: []string{"news.ycombinator.com"}, aliases: []string{"hn", "hackernews", "ycombinator"}},
	{name: "Lobsters", cat: catSocial, domains: []string{"lobste.rs"}},
	{name: "Pinterest", cat: catSocial, domains: []string{"pin.it"}, brands: []string{"pinterest"}, apps: []string{"com.pinterest"}},
	{name: "TikTok", cat: catSocial, domains: []string{"tiktok.com"}, apps: []string{"com.zhiliaoapp.musically", "com.ss.android.ugc.trill"}},
	{name: "Threads", cat: catSocial, domains: []string{"threads.net", "threads.com"}},
	{name: "Bluesky", cat: catSocial, domains: []string{"bsky.app"}},
	{name: "Mastodon", cat: catSocial, domains: []string{"mastodon.social", "joinmastodon.org"}},
	{name: "Tumblr", cat: catSocial, domains: []string{"tumblr.com"}},
	{name: "VK", cat: catSocial, domains: []string{"vk.com"}},
	{name: "Quora", cat: catSocial, domains: []string{"quora.com"}},
	{name: "Discord", cat: catSocial, domains: []string{"discord.com", "discordapp.com"}, apps: []string{"com.discord"}},
	{name: "Telegram", cat: catSocial, domains: []string{"t.me", "telegram.org"}, apps: []string{"org.telegram.messenger"}},
	{name: "WhatsApp", cat: catSocial, domains: []string{"whatsapp.com", "wa.me"}, apps: []string{"com.whatsapp"}},
	{name: "Slack", cat: catSocial, domains: []string{"slack.com"}, apps: []string{"com.slack"}},
	{name: "Product Hunt", cat: catSocial, domains: []string{"producthunt.com"}, aliases: []string{"producthunt"}},
	{name: "Snapchat", cat: catSocial, domains: []string{"snapchat.com"}, apps: []string{"com.snapchat.android"}},
	{name: "Weibo", cat: catSocial, domains: []string{"weibo.com", "weibo.cn"}},
	{name: "LINE", cat: catSocial, domains: []string{"line.me"}, apps: []string{"jp.naver.line.android"}},
	{name: "XING", cat: catSocial, domains: []string{"xing.com"}},
	{name: "Medium", cat: catSocial, domains: []string{"medium.com"}},
	{name: "DEV", cat: catSocial, domains: []string{"dev.to"}},

	// Video.
	{name: "YouTube", cat: catVideo, domains: []string{"youtube.com", "youtu.be", "youtube-nocookie.com"}, aliases: []string{"yt"}, apps: []string{"com.google.android.youtube"}},
	{name: "Vimeo", cat: catVideo, domains: []string{"vimeo.com"}},
	{name: "Twitch", cat: catVideo, domains: []string{"twitch.tv"}},
	{name: "Dailymotion", cat: catVideo, domains: []string{"dailymotion.com"}},
	{name: "Bilibili", cat: catVideo, domains: []string{"bilibili.com"}},

	// Shopping.
	{name: "Amazon", cat: catShopping, domains: []string{"amzn.to"}, brands: []string{"amazon"}},
	{name: "eBay", cat: catShopping, brands: []string{"ebay"}},
	{name: "Etsy", cat: catShopping, domains: []string{"etsy.com"}},
	{name: "AliExpress", cat: catShopping, domains: []string{"aliexpress.com"}},
	{name: "Walmart", cat: catShopping, domains: []string{"walmart.com"}},
	{name: "Google Shopping", cat: catShopping, domains: []string{"shopping.google.com"}},

	// Email.
	{name: "Gmail", cat: catEmail, domains: []string{"mail.google.com", "gmail.com"}, apps: []string{"com.google.android.gm"}},
	{name: "Outlook", cat: catEmail, domains: []string{"outlook.live.com", "outlook.office.com", "outlook.office365.com", "outlook.com"}, apps: []string{"com.microsoft.office.outlook"}},
	{name: "Yahoo! Mail", cat: catEmail, brands: []string{"mail.yahoo"}, apps: []string{"com.yahoo.mobile.client.android.mail"}},
	{name: "Yandex Mail", cat: catEmail, brands: []string{"mail.yandex"}},
	{name: "Proton Mail", cat: catEmail, domains: []string{"mail.proton.me", "mail.protonmail.com"}, apps: []string{"ch.protonmail.android"}},
	{name: "iCloud Mail", cat: catEmail, domains: []string{"icloud.com"}},
	{name: "AOL Mail", cat: catEmail, domains: []string{"mail.aol.com"}},
	{name: "Zoho Mail", cat: catEmail, domains: []string{"mail.zoho.com", "mail.zoho.eu"}},
	{name: "Fastmail", cat: catEmail, domains: []string{"fastmail.com", "app.fastmail.com"}},
	{name: "Tuta", cat: catEmail, domains: []string{"app.tuta.com", "mail.tutanota.com"}},
	{name: "GMX", cat: catEmail, brands: []string{"gmx"}},
	{name: "WEB.DE", cat: catEmail, domains: []string{"web.de"}},
	{name: "Mail.ru", cat: catEmail, domains: []string{"mail.ru"}},

	// AI assistants.
	{name: "ChatGPT", cat: catAI, domains: []string{"chatgpt.com", "chat.openai.com"}, apps: []string{"com.openai.chatgpt"}},
	{name: "Perplexity", cat: catAI, domains: []string{"perplexity.ai"}, apps: []string{"ai.perplexity.app.android"}},
	{name: "Claude", cat: catAI, domains: []string{"claude.ai"}, apps: []string{"com.anthropic.claude"}},
	{name: "Gemini", cat: catAI, domains: []string{"gemini.google.com", "bard.google.com"}},
	{name: "Microsoft Copilot", cat: catAI, domains: []string{"copilot.microsoft.com"}, aliases: []string{"copilot"}},
	{name: "DeepSeek", cat: catAI, domains: []string{"chat.deepseek.com"}, aliases: []string{"deepseek"}},
	{name: "Mistral", cat: catAI, domains: []string{"chat.mistral.ai"}, aliases: []string{"le chat"}},
	{name: "Grok", cat: catAI, domains: []string{"grok.com"}},
	{name: "Meta AI", cat: catAI, domains: []string{"meta.ai"}},
	{name: "Phind", cat: catAI, domains: []string{"phind.com"}},
	{name: "You.com", cat: catAI, domains: []string{"you.com"}},

	// Well-known sites without a channel of their own.
	{name: "GitHub", cat: catReferral, domains: []string{"github.com"}},
	{name: "GitLab", cat: catReferral, domains: []string{"gitlab.com"}},
	{name: "Stack Overflow", cat: catReferral, domains: []string{"stackoverflow.com"}},
	{name: "Wikipedia", cat: catReferral, domains: []string{"wikipedia.org"}},
	{name: "Google News", cat: catReferral, domains: []string{"news.google.com"}},
	{name: "Google Play", cat: catReferral, domains: []string{"play.google.com"}},
	{name: "Microsoft Teams", cat: catReferral, domains: []string{"teams.microsoft.com", "teams.live.com"}, apps: []string{"com.microsoft.teams"}},
	{name: "Feedly", cat: catReferral, domains: []string{"feedly.com"}},
}

// sourceIndex answers "which known source is this?" by map lookups only.
type sourceIndex struct {
	byDomain, byBrand, byAlias, byApp map[string]*knownSource
}

var sources = buildIndex(knownSources)

func buildIndex(rows []knownSource) sourceIndex {
	ix := sourceIndex{
		byDomain: map[string]*knownSource{},
		byBrand:  map[string]*knownSource{},
		byAlias:  map[string]*knownSource{},
		byApp:    map[string]*knownSource{},
	}
	// First row wins everywhere, so the table's order settles overlaps.
	add := func(m map[string]*knownSource, k string, s *knownSource) {
		if _, ok := m[k]; !ok {
			m[k] = s
		}
	}
	for i := range rows {
		s := &rows[i]
		add(ix.byAlias, strings.ToLower(s.name), s)
		for _, d := range s.domains {
			add(ix.byDomain, d, s)
			add(ix.byAlias, d, s)
		}
		for _, b := range s.brands {
			add(ix.byBrand, b, s)
			if !strings.Contains(b, ".") {
				add(ix.byAlias, b, s)
			}
		}
		for _, a := range s.aliases {
			add(ix.byAlias, a, s)
		}
		for _, a := range s.apps {
			add(ix.byApp, a, s)
		}
	}
	return ix
}

// byHost finds the known source of a normalised host name, or nil.
func (ix sourceIndex) byHost(host string) *knownSource {
	// Exact host, then each parent domain: l.facebook.com → facebook.com.
	for h := host; ; {
		if s := ix.byDomain[h]; s != nil {
			return s
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	// Brand under a country domain: google.co.uk, search.yahoo.co.jp.
	labels := host
	end := strings.LastIndexByte(labels, '.')
	if end < 0 {
		return nil
	}
	// Treat "co.uk", "com.au" and the like as one suffix.
	if j := strings.LastIndexByte(labels[:end], '.'); j >= 0 && len(labels)-end-1 == 2 && isSecondLevel(labels[j+1:end]) {
		end = j
	}
	rest := labels[:end] // e.g. "search.yahoo" from search.yahoo.co.jp
	start := strings.LastIndexByte(rest, '.')
	if start >= 0 {
		// "mail.yahoo" before "yahoo".
		prev := strings.LastIndexByte(rest[:start], '.')
		if s := ix.byBrand[rest[prev+1:]]; s != nil {
			return s
		}
	}
	return ix.byBrand[rest[start+1:]]
}

// isSecondLevel reports whether label is a common generic second-level
// label under country domains (co.uk, com.br, ne.jp).
func isSecondLevel(label string) bool {
	switch label {
	case "co", "com", "net", "org", "ne", "or", "ac", "gov", "gob", "go", "edu":
		return true
	}
	return false
}
