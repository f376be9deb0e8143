package mapping

import (
	"os"
	"syscall"
)

// punchHole frees the disk (or tmpfs memory) behind a dead byte range of the spill file;
// the file keeps its size. Filesystems without hole punching just keep the dead bytes.
func punchHole(f *os.File, offset, length int64) {
	const punchHoleKeepSize = 0x02 | 0x01 // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
	_ = syscall.Fallocate(int(f.Fd()), punchHoleKeepSize, offset, length)
}
