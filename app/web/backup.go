package web

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// BackupPath is the admin route `footfall backup` posts to.
const BackupPath = "/backup"

// Backuper writes a backup for `footfall backup` while the server holds
// the events database (DuckDB admits one process per file).
type Backuper interface {
	Backup(ctx context.Context, req BackupRequest) (BackupResponse, error)
}

// BackupRequest asks the server for a backup.
type BackupRequest struct {
	Dir string `json:"dir"` // absolute; a new backup directory is made inside
	// DataDir is the data directory the caller means (absolute): a server
	// with another one refuses, so that a second instance on the admin
	// port is never backed up by mistake.
	DataDir string `json:"data_dir"`
	// Recipient, an age public key, encrypts the backup; "" uses
	// FOOTFALL_BACKUP_KEY, if set. The secret half never leaves the caller.
	Recipient string `json:"recipient,omitempty"`
}

// BackupResponse says where the backup went and what is in it.
type BackupResponse struct {
	Path     string `json:"path"`
	Manifest any    `json:"manifest"`
}

// ErrWrongServer is wrapped by a Backuper whose data directory is not the
// one asked for.
var ErrWrongServer = errors.New("wrong server")

// backupHandler answers POST /backup on the admin listener, for loopback
// clients only: the admin address may be reachable from a cluster network
// (for metrics), and writing files on the server is for its own host.
func backupHandler(b Backuper) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeAdminError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
			return
		}
		if !fromLoopback(r) {
			writeAdminError(w, http.StatusForbidden, "forbidden", "backups are requested from the server's own host")
			return
		}
		var req BackupRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
			writeAdminError(w, http.StatusBadRequest, "invalid_request", "invalid JSON: "+err.Error())
			return
		}
		// A large backup outlasts the listener's write timeout.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		res, err := b.Backup(r.Context(), req)
		switch {
		case errors.Is(err, ErrWrongServer):
			writeAdminError(w, http.StatusConflict, "wrong_server", err.Error())
			return
		case err != nil:
			writeAdminError(w, http.StatusInternalServerError, "backup_failed", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(res)
	}
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// writeAdminError answers in the shape of the public API's errors. The
// message may name paths: the admin listener is the operator's own.
func writeAdminError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg, "code": code})
}
