/* SPDX-License-Identifier: MIT */
/* Fuzz inputs as files: readers that open a path get /proc/self/fd/N of a memfd. */
#ifndef MS_FUZZ_MEMFILE_H
#define MS_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* A memfd holding data, its path in path; -1 if that fails. Close the fd after. */
static inline int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
