package backup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 backups are the same directories, written locally first (Write
// encrypts there) and then uploaded file by file under
// s3://bucket/prefix/footfall-YYYYMMDDTHHMMSSZ/, the manifest last: a
// backup whose manifest is missing was interrupted and is not listed.
//
// The client is minio-go: it speaks the S3 protocol to AWS and to every
// S3-compatible store (MinIO, R2, B2, Wasabi) with a handful of small
// dependencies, where the AWS SDK brings dozens of modules.

// S3Options say how to reach the bucket. Empty fields fall back to the
// usual AWS variables, read from the process environment: AWS_ENDPOINT_URL_S3
// or AWS_ENDPOINT_URL, AWS_REGION or AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, then ~/.aws/credentials.
type S3Options struct {
	// Endpoint is a URL (https://host[:port]) or a bare host (HTTPS);
	// empty means AWS S3.
	Endpoint        string
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	// PathStyle is "on" (https://host/bucket/key, what MinIO and most
	// self-hosted stores need), "off" (https://bucket.host/key) or "" /
	// "auto" (virtual-host style on AWS, path style elsewhere).
	PathStyle string
}

// IsS3 reports whether dest names a bucket (s3://…) rather than a directory.
func IsS3(dest string) bool { return strings.HasPrefix(dest, "s3://") }

// S3 is a bucket prefix holding backups.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // "" or ending in "/"
	// backup is the footfall-… name when the URL named one backup.
	backup string
}

// OpenS3 parses an s3://bucket/prefix URL, connects, and checks that the
// credentials work and the bucket exists, so that a mistake is reported
// before a backup is written rather than after.
func OpenS3(ctx context.Context, rawURL string, o S3Options) (*S3, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("backup: %q: want s3://bucket or s3://bucket/prefix", rawURL)
	}
	s := &S3{bucket: u.Host}
	p := strings.Trim(u.Path, "/")
	if base := path.Base(p); isBackupName(base) {
		s.backup = base
		p = strings.TrimSuffix(strings.TrimSuffix(p, base), "/")
	}
	if p != "" {
		s.prefix = p + "/"
	}

	endpoint := firstNonEmpty(o.Endpoint, os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL"), "https://s3.amazonaws.com")
	if !strings.Contains(endpoint, "://") {
		endpoint = "https://" + endpoint
	}
	eu, err := url.Parse(endpoint)
	if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
		return nil, fmt.Errorf("backup: S3 endpoint %q: want https://host[:port] (or http:// for a local store)", endpoint)
	}
	lookup := minio.BucketLookupAuto
	switch o.PathStyle {
	case "", "auto":
	case "on", "true", "1":
		lookup = minio.BucketLookupPath
	case "off", "false", "0":
		lookup = minio.BucketLookupDNS
	default:
		return nil, fmt.Errorf("backup: S3 path style %q: want on, off or auto", o.PathStyle)
	}

	var creds *credentials.Credentials
	if o.AccessKeyID != "" || o.SecretAccessKey != "" {
		if o.AccessKeyID == "" || o.SecretAccessKey == "" {
			return nil, errors.New("backup: S3 credentials: set both FOOTFALL_BACKUP_S3_ACCESS_KEY_ID and FOOTFALL_BACKUP_S3_SECRET_ACCESS_KEY")
		}
		creds = credentials.NewStaticV4(o.AccessKeyID, o.SecretAccessKey, "")
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{}, &credentials.FileAWSCredentials{},
		})
	}
	if v, err := creds.GetWithContext(nil); err != nil || v.AccessKeyID == "" {
		return nil, errors.New("backup: no S3 credentials: set FOOTFALL_BACKUP_S3_ACCESS_KEY_ID and FOOTFALL_BACKUP_S3_SECRET_ACCESS_KEY, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	region := firstNonEmpty(o.Region, os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	s.client, err = minio.New(eu.Host, &minio.Options{
		Creds: creds, Secure: eu.Scheme == "https", Region: region, BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("backup: S3 client for %s: %w", eu.Host, err)
	}

	// A one-key listing proves all three: the endpoint answers, the
	// credentials are accepted, the bucket exists and may be listed (which
	// restore and retention need).
	// The first item is enough; cancelling stops the lister's goroutine.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if obj, ok := <-s.client.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1}); ok && obj.Err != nil {
		return nil, s.explain("connect to", obj.Err)
	}
	return s, nil
}

// String returns the s3:// URL of the prefix.
func (s *S3) String() string { return "s3://" + s.bucket + "/" + s.prefix }

// explain turns the S3 error codes an operator meets when setting up into
// sentences that say what to fix.
func (s *S3) explain(doing string, err error) error {
	where := "s3://" + s.bucket
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchBucket":
		return fmt.Errorf("backup: %s: the bucket %q does not exist (create it first; footfall does not create buckets)", where, s.bucket)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidClientTokenId":
		return fmt.Errorf("backup: %s: the S3 credentials were refused (%s): check the access key id and secret (FOOTFALL_BACKUP_S3_* or AWS_*): %w",
			where, minio.ToErrorResponse(err).Code, err)
	case "AccessDenied":
		return fmt.Errorf("backup: %s: access denied: the key needs to list, read, write and delete objects under %q: %w", where, s.prefix, err)
	}
	return fmt.Errorf("backup: %s %s: %w", doing, where, err)
}

// Upload copies the local backup directory dir (as Write made it) into the
// bucket and returns its s3:// URL. The manifest goes last, so an
// interrupted upload is never taken for a backup.
func (s *S3) Upload(ctx context.Context, dir string) (string, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return "", err
	}
	name := filepath.Base(dir)
	if !isBackupName(name) {
		return "", fmt.Errorf("backup: %s is not a backup directory", dir)
	}
	files := make([]string, 0, len(m.Files)+1)
	for _, f := range m.Files {
		files = append(files, f.Name)
	}
	files = append(files, manifestName)
	for _, f := range files {
		key := s.prefix + name + "/" + f
		if _, err := s.client.FPutObject(ctx, s.bucket, key, filepath.Join(dir, f), minio.PutObjectOptions{
			ContentType: "application/octet-stream",
		}); err != nil {
			return "", s.explain("upload "+f+" to", err)
		}
	}
	return "s3://" + s.bucket + "/" + s.prefix + name, nil
}

// List returns the complete backups under the prefix, oldest first; Path
// is each one's s3:// URL.
func (s *S3) List(ctx context.Context) ([]Entry, error) {
	var out []Entry
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, s.explain("list", obj.Err)
		}
		rest := strings.TrimPrefix(obj.Key, s.prefix)
		name, file, ok := strings.Cut(rest, "/")
		if !ok || file != manifestName || !isBackupName(name) {
			continue
		}
		t, _ := time.Parse(stamp, strings.TrimPrefix(name, prefix))
		out = append(out, Entry{Path: "s3://" + s.bucket + "/" + s.prefix + name, Created: t})
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// Download copies one backup into a new directory under dst and returns
// its path: the one the URL named, else the newest under the prefix.
// Restore then checks it as it checks any directory.
func (s *S3) Download(ctx context.Context, dst string) (string, error) {
	name := s.backup
	if name == "" {
		list, err := s.List(ctx)
		if err != nil {
			return "", err
		}
		if len(list) == 0 {
			return "", fmt.Errorf("backup: no backup under %s (want footfall-…/manifest.json objects)", s)
		}
		name = path.Base(list[len(list)-1].Path)
	}
	local := filepath.Join(dst, name)
	if err := os.MkdirAll(local, 0o700); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	base := s.prefix + name + "/"
	mpath := filepath.Join(local, manifestName)
	if err := s.client.FGetObject(ctx, s.bucket, base+manifestName, mpath, minio.GetObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return "", fmt.Errorf("backup: %s%s is not a complete backup (no manifest.json)", s, name)
		}
		return "", s.explain("download "+name+" from", err)
	}
	m, err := ReadManifest(local)
	if err != nil {
		return "", err
	}
	for _, f := range m.Files {
		// Names come from the manifest: keep them inside the directory.
		if f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." {
			return "", fmt.Errorf("backup: manifest of %s names %q, not a plain file name", name, f.Name)
		}
		if err := s.client.FGetObject(ctx, s.bucket, base+f.Name, filepath.Join(local, f.Name), minio.GetObjectOptions{}); err != nil {
			return "", s.explain("download "+f.Name+" from", err)
		}
	}
	return local, nil
}

// Prune deletes the backups under the prefix that r lets go, always
// sparing the newest, and returns their URLs.
func (s *S3) Prune(ctx context.Context, r Retention, now time.Time) ([]string, error) {
	list, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, b := range r.expired(list, now) {
		base := s.prefix + path.Base(b.Path) + "/"
		var keys []string
		for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: base, Recursive: true}) {
			if obj.Err != nil {
				return removed, s.explain("list", obj.Err)
			}
			keys = append(keys, obj.Key)
		}
		// The manifest first: a half-deleted backup is then no longer listed.
		slices.SortStableFunc(keys, func(a, b string) int {
			return boolInt(!strings.HasSuffix(a, "/"+manifestName)) - boolInt(!strings.HasSuffix(b, "/"+manifestName))
		})
		for _, k := range keys {
			if err := s.client.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil {
				return removed, s.explain("delete "+k+" from", err)
			}
		}
		removed = append(removed, b.Path)
	}
	return removed, nil
}

func isBackupName(name string) bool {
	ts, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	_, err := time.Parse(stamp, ts)
	return err == nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
