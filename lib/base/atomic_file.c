/* SPDX-License-Identifier: MIT */
/* Writing a file whole or not at all (mapsize.h: ms_file_write_atomic). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapsize.h"

/* An I/O error that does not name the file yet names it. */
static struct ms_error *named(struct ms_error *err, const char *path)
{
	if (err && ms_error_code(err) == MS_ERR_IO && strncmp(ms_error_message(err), "'", 1) != 0)
		ms_error_prefix(err, "'%s'", path);
	return err;
}

static struct ms_error *write_special(const char *path,
                                      struct ms_error *(*write)(FILE *f, const void *arg),
                                      const void *arg)
{
	FILE *f = fopen(path, "w");
	struct ms_error *err;

	if (!f)
		return ms_error_create(MS_ERR_IO, "'%s': cannot open: %s", path, strerror(errno));
	err = write(f, arg);
	if (fclose(f) != 0 && !err)
		err = ms_error_create(MS_ERR_IO, "'%s': cannot write: %s", path, strerror(errno));
	return named(err, path);
}

struct ms_error *ms_file_write_atomic(const char *path,
                                      struct ms_error *(*write)(FILE *f, const void *arg),
                                      const void *arg)
{
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	struct ms_error *err = NULL;
	FILE *f;
	int fd;

	if (!tmp)
		return &ms_error_nomem;
	{
		/* a device, a FIFO or a socket (-o /dev/null, -o /dev/stdout) is written
		 * straight: a rename would replace it with a regular file */
		struct stat st;

		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			free(tmp);
			return write_special(path, write, arg);
		}
	}
	/* a temporary file beside the target, renamed at the end: never a partial file */
	snprintf(tmp, n, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = ms_error_create(MS_ERR_IO, "'%s': cannot create: %s", path, strerror(errno));
		free(tmp);
		return err;
	}
	{
		/* mkstemp makes it 0600; the file is meant to be shared: 0666 less the umask */
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		err = ms_error_create(MS_ERR_IO, "'%s': %s", path, strerror(errno));
		goto fail;
	}
	err = write(f, arg);
	if (!err && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		err = ms_error_create(MS_ERR_IO, "'%s': cannot write: %s", path, strerror(errno));
	if (fclose(f) != 0 && !err)
		err = ms_error_create(MS_ERR_IO, "'%s': cannot write: %s", path, strerror(errno));
	if (err)
		goto fail;
	if (rename(tmp, path) != 0) {
		err = ms_error_create(MS_ERR_IO, "'%s': cannot rename into place: %s", path,
		                      strerror(errno));
		goto fail;
	}
	free(tmp);
	return NULL;
fail:
	unlink(tmp);
	free(tmp);
	return named(err, path);
}
