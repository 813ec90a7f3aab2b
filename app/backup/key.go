package backup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
)

// Key encrypts backups and, when it holds the secret half, decrypts them.
//
// Backups use age (X25519 recipients, ChaCha20-Poly1305 in 64 KiB chunks
// with a per-file key): a small, audited, versioned format with a
// specification, so a backup can be decrypted with the stock `age` tool
// years from now even without footfall. Because age encrypts to a public
// recipient, the server (or a cron job) can write encrypted backups while
// the identity that reads them stays offline.
type Key struct {
	recipient age.Recipient
	identity  age.Identity // nil: this key can only encrypt
}

// ParseKey reads a key as age-keygen writes it: an identity
// ("AGE-SECRET-KEY-1…", encrypts and decrypts) or a recipient ("age1…",
// encrypts only). Blank lines and # comments are skipped, so the file
// age-keygen writes is taken as is.
func ParseKey(text string) (*Key, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "AGE-SECRET-KEY-1"):
			id, err := age.ParseX25519Identity(line)
			if err != nil {
				return nil, fmt.Errorf("backup key: %w", err)
			}
			return &Key{recipient: id.Recipient(), identity: id}, nil
		case strings.HasPrefix(line, "age1"):
			r, err := age.ParseX25519Recipient(line)
			if err != nil {
				return nil, fmt.Errorf("backup key: %w", err)
			}
			return &Key{recipient: r}, nil
		default:
			return nil, errors.New("backup key: want an age identity (AGE-SECRET-KEY-1…) or recipient (age1…), as age-keygen prints them")
		}
	}
	return nil, errors.New("backup key: empty")
}

// ReadKeyFile parses the key in the file at path.
func ReadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("backup key: %w", err)
	}
	return ParseKey(string(b))
}

// GenerateKey returns a new identity, for tests and for `age-keygen`-less
// setups.
func GenerateKey() (*Key, string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, "", err
	}
	return &Key{recipient: id.Recipient(), identity: id}, id.String(), nil
}

// Recipient returns the public half ("age1…"), which is all that writing a
// backup needs.
func (k *Key) Recipient() string {
	if r, ok := k.recipient.(*age.X25519Recipient); ok {
		return r.String()
	}
	return ""
}

// CanDecrypt reports whether the key holds the identity.
func (k *Key) CanDecrypt() bool { return k != nil && k.identity != nil }

// encryptFile writes src, encrypted, to dst (created new, owner-only).
func (k *Key) encryptFile(dst, src string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	w, err := age.Encrypt(out, k.recipient)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, in); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return out.Sync()
}

// decryptFile writes src, decrypted and authenticated, to dst. A modified
// or truncated file fails (age authenticates every chunk and the end).
func (k *Key) decryptFile(dst, src string) (err error) {
	if !k.CanDecrypt() {
		return errors.New("the backup is encrypted and the key given is a recipient (age1…): restoring needs the identity (AGE-SECRET-KEY-1…)")
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	r, err := age.Decrypt(in, k.identity)
	if err != nil {
		return fmt.Errorf("decrypt %s: %w", src, err)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	if _, err := io.Copy(out, r); err != nil {
		return fmt.Errorf("decrypt %s: %w", src, err)
	}
	return nil
}
