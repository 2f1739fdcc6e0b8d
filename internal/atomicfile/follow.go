package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Real is the file path names once every symlink is followed: the file a program reading path
// reads. For a path that is not a link it is path itself.
func Real(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	return real, nil
}

// Edit replaces the contents of the file path names, following symlinks: the file a link points
// to is rewritten in its own directory (temp file, sync, rename), so the link stays a link and
// the file keeps its mode and, where tok may set it, its owner. It refuses, changing nothing,
// where that cannot be done safely: the target's directory cannot be written, or the file has
// other hard links that would keep the old contents. It returns the real file's path.
func Edit(path string, data []byte) (string, error) {
	real, info, err := target(path)
	if err != nil {
		return real, err
	}
	if err := write(real, data, info); err != nil {
		return real, explain(path, real, err)
	}
	return real, nil
}

// Remove deletes the file path names: the real file a link points to (refused as Edit refuses),
// then the link itself, which would otherwise point at nothing. It returns the real file's path.
func Remove(path string) (string, error) {
	real, _, err := target(path)
	if err != nil {
		return real, err
	}
	if err := os.Remove(real); err != nil {
		return real, explain(path, real, err)
	}
	syncDir(filepath.Dir(real))
	if real != path {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return real, fmt.Errorf("removed %s but not the link %s to it: %w", real, path, err)
		}
	}
	return real, nil
}

func target(path string) (string, os.FileInfo, error) {
	real, err := Real(path)
	if err != nil {
		return path, nil, err
	}
	info, err := os.Lstat(real)
	if err != nil {
		return real, nil, err
	}
	if !info.Mode().IsRegular() {
		return real, nil, fmt.Errorf("%s is not a regular file; left as it is", real)
	}
	if n := linkCount(info); n > 1 {
		return real, nil, fmt.Errorf("%s has %d hard links, which would keep the old contents; left as it is: edit it yourself", real, n)
	}
	return real, info, nil
}

// explain turns a write refused by the file system into one line naming the real file.
func explain(path, real string, err error) error {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EPERM) {
		if real != path {
			return fmt.Errorf("%s links to %s, in a directory tok cannot write; left as it is: edit %s yourself", path, real, real)
		}
		return fmt.Errorf("%s is in a directory tok cannot write; left as it is: edit it yourself", real)
	}
	return err
}

func write(real string, data []byte, info os.FileInfo) error {
	return replace(real, data, func(tmp *os.File) error {
		if err := tmp.Chmod(info.Mode().Perm()); err != nil {
			return err
		}
		if err := keepOwner(tmp, info); err != nil {
			return fmt.Errorf("keeping the owner of %s: %w", real, err)
		}
		return nil
	})
}
