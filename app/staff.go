package app

import (
	"strings"

	"github.com/footfallhq/footfall/app/staff"
)

// openStaff builds the staff service: the admin panel's actions, the
// audit log, and the checks that refuse blocked or deleted accounts.
func (a *App) openStaff() {
	cfg := staff.Config{
		Store:   a.DB,
		Events:  siteEvents(a.Events),
		Billing: a.Billing,
		Mailer:  a.Mail,
		BaseURL: strings.TrimRight(a.Config.BaseURL, "/"),
		Logger:  a.Logger.With("component", "staff"),
	}
	if a.Events != nil {
		cfg.Counter = a.Events
	}
	a.Staff = staff.New(cfg)
}
