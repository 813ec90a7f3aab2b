package enrich

import "strings"

// Channel names, following Google Analytics 4's default channel group so
// that numbers line up with what marketers already know, plus AI
// Assistants for chat assistants that GA4 files under Referral.
const (
	ChannelDirect        = "Direct"
	ChannelCrossNetwork  = "Cross-network"
	ChannelPaidShopping  = "Paid Shopping"
	ChannelPaidSearch    = "Paid Search"
	ChannelPaidSocial    = "Paid Social"
	ChannelPaidVideo     = "Paid Video"
	ChannelDisplay       = "Display"
	ChannelPaidOther     = "Paid Other"
	ChannelOrganicShop   = "Organic Shopping"
	ChannelOrganicSocial = "Organic Social"
	ChannelOrganicVideo  = "Organic Video"
	ChannelOrganicSearch = "Organic Search"
	ChannelAIAssistants  = "AI Assistants"
	ChannelEmail         = "Email"
	ChannelReferral      = "Referral"
	ChannelAffiliates    = "Affiliates"
	ChannelAudio         = "Audio"
	ChannelSMS           = "SMS"
	ChannelPushNotices   = "Mobile Push Notifications"
	ChannelUnassigned    = "Unassigned"
)

// Channels lists every channel Source can return, in rule order.
func Channels() []string {
	return []string{
		ChannelDirect, ChannelCrossNetwork, ChannelPaidShopping, ChannelPaidSearch,
		ChannelPaidSocial, ChannelPaidVideo, ChannelDisplay, ChannelPaidOther,
		ChannelOrganicShop, ChannelOrganicSocial, ChannelOrganicVideo,
		ChannelOrganicSearch, ChannelAIAssistants, ChannelEmail, ChannelReferral,
		ChannelAffiliates, ChannelAudio, ChannelSMS, ChannelPushNotices,
		ChannelUnassigned,
	}
}

// channel applies the channel rules in order; the first that matches wins.
// source is the display name or raw tag, cat its category (catUnknown for
// hosts and tags not in the table), medium and campaign the UTM tags.
func channel(source string, cat category, medium, campaign string) string {
	medium = lower(strings.TrimSpace(medium))
	if source == "" && medium == "" {
		return ChannelDirect
	}
	if containsFold(campaign, "cross-network") {
		return ChannelCrossNetwork
	}
	paid := isPaidMedium(medium)
	shopCampaign := isShoppingCampaign(campaign)
	if paid {
		switch {
		case cat == catShopping || shopCampaign:
			return ChannelPaidShopping
		case cat == catSearch:
			return ChannelPaidSearch
		case cat == catSocial:
			return ChannelPaidSocial
		case cat == catVideo:
			return ChannelPaidVideo
		}
	}
	switch medium {
	case "display", "banner", "expandable", "interstitial", "cpm":
		return ChannelDisplay
	}
	if paid {
		return ChannelPaidOther
	}
	switch {
	case cat == catShopping || shopCampaign:
		return ChannelOrganicShop
	case cat == catSocial || isSocialMedium(medium):
		return ChannelOrganicSocial
	case cat == catVideo || strings.Contains(medium, "video"):
		return ChannelOrganicVideo
	case cat == catSearch || medium == "organic":
		return ChannelOrganicSearch
	case cat == catAI:
		return ChannelAIAssistants
	case cat == catEmail:
		// A webmail site linking is an email someone opened; checked before
		// Referral, which every untagged link would otherwise land in.
		return ChannelEmail
	}
	switch medium {
	case "referral", "app", "link":
		return ChannelReferral
	}
	src := lower(strings.TrimSpace(source))
	switch {
	case isEmail(src) || isEmail(medium):
		return ChannelEmail
	case medium == "affiliate":
		return ChannelAffiliates
	case medium == "audio":
		return ChannelAudio
	case src == "sms" || medium == "sms":
		return ChannelSMS
	case strings.HasSuffix(medium, "push") || strings.Contains(medium, "mobile") ||
		strings.Contains(medium, "notification") || src == "firebase":
		return ChannelPushNotices
	}
	return ChannelUnassigned
}

// isPaidMedium is GA4's ^(.*cp.*|ppc|retargeting|paid.*)$ without a regexp.
func isPaidMedium(m string) bool {
	return strings.Contains(m, "cp") || m == "ppc" || m == "retargeting" || strings.HasPrefix(m, "paid")
}

// isShoppingCampaign is GA4's ^(.*(([^a-df-z]|^)shop|shopping).*)$: "shop"
// at the start or after a non-letter or an "e" (e-shop, eshop), or
// "shopping" anywhere.
func isShoppingCampaign(campaign string) bool {
	c := lower(campaign)
	if strings.Contains(c, "shopping") {
		return true
	}
	for off := 0; ; {
		i := strings.Index(c[off:], "shop")
		if i < 0 {
			return false
		}
		i += off
		if i == 0 {
			return true
		}
		if p := c[i-1]; p == 'e' || p < 'a' || p > 'z' {
			return true
		}
		off = i + 1
	}
}

func isSocialMedium(m string) bool {
	switch m {
	case "social", "social-network", "social-media", "sm", "social network", "social media":
		return true
	}
	return false
}

// isEmail is GA4's email|e-mail|e_mail|e mail, matched anywhere so that
// "email-newsletter" counts too.
func isEmail(s string) bool {
	return strings.Contains(s, "email") || strings.Contains(s, "e-mail") ||
		strings.Contains(s, "e_mail") || strings.Contains(s, "e mail")
}

// containsFold reports whether s contains the lower-case ASCII substr,
// ignoring case, without allocating.
func containsFold(s, substr string) bool {
	for i := 0; i+len(substr) <= len(s); i++ {
		if hasPrefixFold(s[i:], substr) {
			return true
		}
	}
	return false
}
