package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeBackuper struct{ got []BackupRequest }

func (f *fakeBackuper) Backup(_ context.Context, req BackupRequest) (BackupResponse, error) {
	f.got = append(f.got, req)
	if req.DataDir != "/var/lib/footfall" {
		return BackupResponse{}, fmt.Errorf("%w: not this one", ErrWrongServer)
	}
	return BackupResponse{Path: req.Dir + "/footfall-x"}, nil
}

func TestAdminBackup(t *testing.T) {
	for _, tc := range []struct {
		name, method, remote, body string
		status                     int
		calls                      int
	}{
		{"loopback", "POST", "127.0.0.1:5000", `{"dir":"/b","data_dir":"/var/lib/footfall"}`, 200, 1},
		{"loopback v6", "POST", "[::1]:5000", `{"dir":"/b","data_dir":"/var/lib/footfall"}`, 200, 1},
		{"from the network", "POST", "10.1.2.3:5000", `{"dir":"/b","data_dir":"/var/lib/footfall"}`, 403, 0},
		{"another server's data", "POST", "127.0.0.1:5000", `{"dir":"/b","data_dir":"/srv/other"}`, 409, 1},
		{"GET", "GET", "127.0.0.1:5000", ``, 405, 0},
		{"bad JSON", "POST", "127.0.0.1:5000", `{`, 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &fakeBackuper{}
			h := Admin(Deps{Backup: b})
			req := httptest.NewRequest(tc.method, BackupPath, strings.NewReader(tc.body))
			req.RemoteAddr = tc.remote
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status || len(b.got) != tc.calls {
				t.Errorf("%s %s from %s = %d (%d calls), want %d (%d calls): %s", tc.method, BackupPath, tc.remote, rec.Code, len(b.got), tc.status, tc.calls, rec.Body)
			}
			if rec.Code != 200 {
				var e struct{ Error, Code string }
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || e.Code == "" {
					t.Errorf("error body %q, want {error, code}", rec.Body)
				}
			}
		})
	}
	rec := httptest.NewRecorder()
	Admin(Deps{}).ServeHTTP(rec, httptest.NewRequest("POST", BackupPath, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("POST %s without a Backuper = %d, want 404", BackupPath, rec.Code)
	}
}
