package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
)

// The checkpoint file holds the highest acknowledged sequence number, so a
// restart does not hand out again what the events store already has. It is
// an optimisation, not a source of truth: a stale or lost checkpoint only
// causes redelivery, which the batcher deduplicates with the store's
// LastSeq. Sequence numbers stay monotonic without it because a segment file
// named above every deleted event always exists.
//
// Layout: "FFWALCK1", acked seq (8 bytes LE), CRC-32C of the preceding 16.
const (
	checkpointName  = "checkpoint"
	checkpointTemp  = "checkpoint.tmp"
	checkpointMagic = "FFWALCK1"
	checkpointSize  = 20
)

// readCheckpoint returns the acknowledged sequence number, 0 when there is
// no checkpoint.
func readCheckpoint(dir string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(dir, checkpointName))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("wal: read checkpoint: %w", err)
	}
	if len(b) != checkpointSize || string(b[:8]) != checkpointMagic ||
		crc32.Checksum(b[:16], castagnoli) != binary.LittleEndian.Uint32(b[16:]) {
		return 0, fmt.Errorf("wal: checkpoint %s is damaged", filepath.Join(dir, checkpointName))
	}
	return binary.LittleEndian.Uint64(b[8:]), nil
}

// writeCheckpoint replaces the checkpoint atomically: a crash leaves either
// the old or the new one, never a torn file.
func writeCheckpoint(dir string, acked uint64) error {
	b := make([]byte, 0, checkpointSize)
	b = append(b, checkpointMagic...)
	b = binary.LittleEndian.AppendUint64(b, acked)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))

	tmp := filepath.Join(dir, checkpointTemp)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("wal: write checkpoint: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, checkpointName))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("wal: write checkpoint: %w", err)
	}
	return nil
}
