package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/store"
)

// message is one billing email before it has recipients.
type message struct {
	subject string
	text    string
}

// mail sends m to the account's billing contacts. A failure is logged,
// not returned: the state change it reports is already stored and must
// not be undone because a mail server is down.
func (s *Service) mail(ctx context.Context, accountID int64, m message) {
	if s.cfg.Mailer == nil || s.cfg.Directory == nil {
		return
	}
	to, err := s.cfg.Directory.BillingContacts(ctx, accountID)
	if err == nil && len(to) == 0 {
		s.log.Warn("billing: account has no one to mail", "account", accountID, "subject", m.subject)
		return
	}
	if err == nil {
		err = s.cfg.Mailer.Send(ctx, mail.Message{To: to, Subject: m.subject, Text: m.text + footer, Kind: "billing"})
	}
	if err != nil {
		s.log.Error("billing: mail not sent", "account", accountID, "subject", m.subject, "err", err)
	}
}

const footer = "\n\n— Footfall\nYou receive this because you own or administer this account.\n"

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

func count(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func depletedMail(base string, u store.Usage, limit int64, graceUntil time.Time) message {
	return message{
		subject: "Your Footfall plan's monthly events are used up",
		text: fmt.Sprintf("Your sites have sent %s events since %s; your plan includes %s a month.\n\n"+
			"Nothing changes yet: we keep counting every event until %s. If the account is still over its limit then, "+
			"new events for its sites are refused until the period ends on %s or the plan changes. "+
			"Events already stored are never deleted.\n\n"+
			"Choose a larger plan: %s/billing",
			count(u.Events), day(u.PeriodStart), count(limit), day(graceUntil), day(u.PeriodEnd), base),
	}
}

func pausedMail(base string, u store.Usage, limit int64) message {
	return message{
		subject: "Footfall has paused counting your sites' events",
		text: fmt.Sprintf("The grace period has ended and your sites have sent %s events this period (your plan includes %s). "+
			"New events are refused until %s, when the period ends, or until you upgrade: counting resumes at once. "+
			"Your stored statistics stay as they are, nothing was deleted, and your visitors' pages are not affected.\n\n"+
			"Upgrade: %s/billing",
			count(u.Events), count(limit), day(u.PeriodEnd), base),
	}
}

func restoredMail(base string) message {
	return message{
		subject: "Footfall is counting your sites' events again",
		text: fmt.Sprintf("Your account is within its plan's limit again, and events are being counted from now on.\n\n"+
			"Usage and plan: %s/billing", base),
	}
}

func dunningMail(base string, attempt int, next time.Time) message {
	text := fmt.Sprintf("We could not collect the payment for your Footfall subscription (attempt %d).", attempt)
	if !next.IsZero() {
		text += fmt.Sprintf(" We will try again on %s.", day(next))
	} else {
		text += " This was the last attempt: unless the invoice is paid, the subscription ends and the account moves to the Free plan."
	}
	text += fmt.Sprintf("\n\nUpdate your card in the billing portal: %s/billing\n\nYour data is safe either way: nothing is deleted.", base)
	return message{subject: "Your Footfall payment failed", text: text}
}

func downgradedMail(base, from string) message {
	name := from
	if p, ok := PlanByCode(from); ok {
		name = p.Name
	}
	return message{
		subject: "Your Footfall subscription has ended",
		text: fmt.Sprintf("Your %s subscription has ended and the account is now on the Free plan. "+
			"All your sites and statistics are kept; the Free plan's limits apply from now on.\n\n"+
			"Subscribe again any time: %s/billing", name, base),
	}
}
