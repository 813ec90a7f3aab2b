package backup

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/backup/s3test"
)

func s3opts(srv *s3test.Server) S3Options {
	return S3Options{Endpoint: srv.URL, AccessKeyID: s3test.AccessKeyID, SecretAccessKey: s3test.SecretAccessKey,
		Region: s3test.Region, PathStyle: "on"}
}

// TestS3RoundTrip writes an encrypted backup, uploads it, downloads it
// into a fresh directory and restores it: the same data comes back.
func TestS3RoundTrip(t *testing.T) {
	ctx := context.Background()
	srv := s3test.New(t, "backups")
	bucket, err := OpenS3(ctx, "s3://backups/site/daily", s3opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	src, _ := install(t)
	local, m, err := Write(ctx, t.TempDir(), src, Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	url, err := bucket.Upload(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	if want := "s3://backups/site/daily/" + filepath.Base(local); url != want {
		t.Errorf("Upload = %s, want %s", url, want)
	}
	objs := srv.Objects(t, "backups")
	if len(objs) != len(m.Files)+1 {
		t.Errorf("bucket holds %v, want the %d files and the manifest", objs, len(m.Files))
	}
	for _, o := range objs {
		if !strings.HasPrefix(o, "site/daily/"+filepath.Base(local)+"/") {
			t.Errorf("object %s outside the backup's prefix", o)
		}
		if base := path.Base(o); base != manifestName && !strings.HasSuffix(base, ".age") {
			t.Errorf("object %s stored unencrypted", o)
		}
	}

	// The newest under the prefix, and the one named by its URL.
	for _, from := range []string{"s3://backups/site/daily", url} {
		b, err := OpenS3(ctx, from, s3opts(srv))
		if err != nil {
			t.Fatal(err)
		}
		dir, err := b.Download(ctx, t.TempDir())
		if err != nil {
			t.Fatalf("Download %s: %v", from, err)
		}
		tg := freshTarget(t)
		got, err := Restore(ctx, dir, tg, RestoreOptions{Key: key})
		if err != nil {
			t.Fatalf("Restore of %s: %v", from, err)
		}
		if got.EventRows["events"] != 50 || got.EventsPerSite["1"] != 50 {
			t.Errorf("restored %v events (%v per site), want 50", got.EventRows, got.EventsPerSite)
		}
		secret, err := os.ReadFile(tg.SecretPath)
		if err != nil || len(secret) != 65 {
			t.Errorf("restored secret key: %q, %v", secret, err)
		}
	}
}

func TestS3Prune(t *testing.T) {
	ctx := context.Background()
	srv := s3test.New(t, "backups")
	bucket, err := OpenS3(ctx, "s3://backups/p", s3opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	src, _ := install(t)
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for _, age := range []int{3, 2, 1} {
		local, _, err := Write(ctx, t.TempDir(), src, Options{Now: func() time.Time { return now.AddDate(0, 0, -age) }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bucket.Upload(ctx, local); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := bucket.Prune(ctx, Retention{Last: 2}, now)
	if err != nil {
		t.Fatal(err)
	}
	oldest := "s3://backups/p/" + prefix + now.AddDate(0, 0, -3).Format(stamp)
	if len(removed) != 1 || removed[0] != oldest {
		t.Errorf("Prune removed %v, want %s", removed, oldest)
	}
	list, err := bucket.List(ctx)
	if err != nil || len(list) != 2 {
		t.Errorf("after Prune, List = %v, %v; want 2 backups", list, err)
	}
	for _, o := range srv.Objects(t, "backups") {
		if strings.Contains(o, now.AddDate(0, 0, -3).Format(stamp)) {
			t.Errorf("object %s of the pruned backup is left", o)
		}
	}
}

// TestS3Errors: the mistakes an operator makes first get sentences that
// say what to fix, before any backup is written.
func TestS3Errors(t *testing.T) {
	ctx := context.Background()
	srv := s3test.New(t, "backups")
	for _, c := range []struct {
		name, url string
		edit      func(*S3Options)
		want      string
	}{
		{"wrong key id", "s3://backups", func(o *S3Options) { o.AccessKeyID = "NOPE" }, "credentials were refused (InvalidAccessKeyId)"},
		{"wrong secret", "s3://backups", func(o *S3Options) { o.SecretAccessKey = "wrong" }, "credentials were refused (SignatureDoesNotMatch)"},
		{"half the credentials", "s3://backups", func(o *S3Options) { o.SecretAccessKey = "" }, "set both FOOTFALL_BACKUP_S3_ACCESS_KEY_ID"},
		{"missing bucket", "s3://nosuch/x", func(*S3Options) {}, `the bucket "nosuch" does not exist`},
		{"no bucket", "s3:///x", func(*S3Options) {}, "want s3://bucket"},
		{"path style", "s3://backups", func(o *S3Options) { o.PathStyle = "sideways" }, "path style"},
		{"endpoint", "s3://backups", func(o *S3Options) { o.Endpoint = "ftp://x" }, "S3 endpoint"},
	} {
		o := s3opts(srv)
		c.edit(&o)
		_, err := OpenS3(ctx, c.url, o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: OpenS3 = %v, want an error saying %q", c.name, err, c.want)
		}
	}

	// No credentials anywhere.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	o := s3opts(srv)
	o.AccessKeyID, o.SecretAccessKey = "", ""
	if _, err := OpenS3(ctx, "s3://backups", o); err == nil || !strings.Contains(err.Error(), "no S3 credentials") {
		t.Errorf("without credentials: %v", err)
	}
	// The AWS variables are taken when FOOTFALL_BACKUP_S3_* are unset.
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretAccessKey)
	if _, err := OpenS3(ctx, "s3://backups", o); err != nil {
		t.Errorf("with AWS_* credentials: %v", err)
	}

	// Restoring from an empty prefix.
	b, err := OpenS3(ctx, "s3://backups/empty", s3opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Download(ctx, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no backup under s3://backups/empty/") {
		t.Errorf("Download from an empty prefix: %v", err)
	}
}
