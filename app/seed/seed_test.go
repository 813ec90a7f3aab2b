package seed

import (
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

func TestDayScoped(t *testing.T) {
	days := map[uint64]uint64{}
	at := func(s string, session uint64) store.Event {
		ts, _ := time.Parse(time.DateTime, s)
		e := store.Event{Timestamp: ts, SessionID: session, VisitorID: 20000<<32 | 0xabcdef}
		dayScoped(&e, days)
		return e
	}
	march10 := uint64(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	a := at("2026-03-10 23:50:00", 1)
	b := at("2026-03-11 00:10:00", 1) // the same visit after midnight
	c := at("2026-03-11 09:00:00", 2) // the same person the next day
	if a.VisitorID != march10<<32|0xabcdef || b.VisitorID != a.VisitorID {
		t.Errorf("visit across midnight: ids %x, %x; want both %x", a.VisitorID, b.VisitorID, march10<<32|0xabcdef)
	}
	if c.VisitorID != (march10+1)<<32|0xabcdef {
		t.Errorf("next day's visit: id %x, want %x", c.VisitorID, (march10+1)<<32|0xabcdef)
	}
}
