package staff

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/store"
)

// Audience names of a segment: who in each selected account gets mail.
var audiences = map[string]store.Role{
	"all":    store.RoleViewer, // every member
	"admins": store.RoleAdmin,  // owners and admins (who get billing mail)
	"owners": store.RoleOwner,  // account owners only
}

// Segment is a staff choice of recipients: an audience ("all", "admins",
// "owners"; "" = all), optionally narrowed to accounts on a plan and/or in
// a capacity state (ok, grace, limited: over quota). Blocked and deleted
// accounts' members are never included.
type Segment struct {
	Audience string `json:"audience"`
	Plan     string `json:"plan,omitempty"`
	Capacity string `json:"capacity,omitempty"`
}

// Validate checks the segment's names.
func (g Segment) Validate() error {
	if _, ok := audiences[g.Audience]; !ok && g.Audience != "" {
		return fmt.Errorf("unknown audience %q: all, admins or owners", g.Audience)
	}
	switch g.Capacity {
	case "", store.CapacityOK, store.CapacityGrace, store.CapacityLimited:
	default:
		return fmt.Errorf("unknown capacity %q: ok, grace or limited", g.Capacity)
	}
	if len(g.Plan) > 64 {
		return fmt.Errorf("plan code too long")
	}
	return nil
}

func (g Segment) store() store.Segment {
	role := audiences[g.Audience]
	if role == "" {
		role = store.RoleViewer
	}
	return store.Segment{MinRole: role, Plan: g.Plan, Capacity: g.Capacity}
}

// Preview is who an announcement would reach.
type Preview struct {
	Recipients int      `json:"recipients"`
	Sample     []string `json:"sample"` // the first few addresses
}

// PreviewAnnouncement counts the segment's recipients without sending.
func (s *Service) PreviewAnnouncement(ctx context.Context, seg Segment) (Preview, error) {
	to, err := s.cfg.Store.AnnouncementRecipients(ctx, seg.store())
	if err != nil {
		return Preview{}, err
	}
	return Preview{Recipients: len(to), Sample: to[:min(len(to), 5)]}, nil
}

// Announce mails subject and body (paragraphs separated by blank lines)
// to every recipient of the segment, one message each (nobody sees the
// others' addresses), through the outbox; it records the announcement
// and an audit entry. Mail that cannot be queued stops the sending and is
// reported with how many were queued before.
func (s *Service) Announce(ctx context.Context, who Actor, subject, body string, seg Segment) (store.Announcement, error) {
	if s.cfg.Mailer == nil {
		return store.Announcement{}, ErrNoMailer
	}
	to, err := s.cfg.Store.AnnouncementRecipients(ctx, seg.store())
	if err != nil {
		return store.Announcement{}, err
	}
	if len(to) == 0 {
		return store.Announcement{}, ErrEmptySegment
	}
	msg, err := mail.Render("announcement", s.cfg.BaseURL, map[string]any{"Subject": subject, "Paragraphs": Paragraphs(body)})
	if err != nil {
		return store.Announcement{}, err
	}
	segJSON, _ := json.Marshal(seg)
	sent := 0
	var sendErr error
	for _, addr := range to {
		m := msg
		m.To = []string{addr}
		if sendErr = s.cfg.Mailer.Send(ctx, m); sendErr != nil {
			break
		}
		sent++
	}
	a, err := s.cfg.Store.CreateAnnouncement(ctx, store.Announcement{Subject: subject, Body: body, Segment: string(segJSON),
		Recipients: sent, SentBy: who.ID, CreatedAt: s.cfg.Now()})
	if err != nil {
		return store.Announcement{}, err
	}
	if err := s.Audit(ctx, who, "announcement.send", 0, subject,
		map[string]any{"announcement_id": a.ID, "segment": seg, "recipients": sent, "selected": len(to)}); err != nil {
		return store.Announcement{}, err
	}
	if sendErr != nil {
		return a, fmt.Errorf("staff: announcement queued for %d of %d recipients: %w", sent, len(to), sendErr)
	}
	return a, nil
}

// Announcements lists the newest announcements.
func (s *Service) Announcements(ctx context.Context, limit int) ([]store.Announcement, error) {
	return s.cfg.Store.Announcements(ctx, limit)
}

// Paragraphs splits a plain-text body at blank lines, joining the lines
// within a paragraph.
func Paragraphs(body string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}
