/*
 * mmcshim: an LD_PRELOAD library that makes one device node a window onto
 * discstage's emulated MMC drive, so that unmodified libburn (inside
 * xorriso and cdrskin) burns to the emulator.
 *
 * Environment:
 *   DISCSTAGE_MMC_DEV   the device node to take over (a block device,
 *                       major 11, made with mknod, e.g. /dev/sr29)
 *   DISCSTAGE_MMC_SOCK  the unix socket the emulator serves (emu.Serve)
 *   DISCSTAGE_MMC_DEBUG if set, unknown ioctls are reported on stderr
 *
 * Opening the node connects to the socket instead; every SG_IO ioctl on
 * that descriptor sends its CDB (and outgoing data) to the emulator and
 * copies back status, sense and incoming data. The identification ioctls
 * libburn asks on a Linux sr device are answered here; fcntl locks are
 * granted; close and dup keep track of the descriptors.
 *
 * Wire format (little-endian uint32): request cdb_len, direction
 * (0 none, 1 from device, 2 to device), data_len, CDB, outgoing data;
 * response status, sense_len, data_len, resid, sense, incoming data.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <scsi/sg.h>
#include <scsi/scsi_ioctl.h>
#include <linux/cdrom.h>
#include <linux/hdreg.h>

#ifndef SCSI_IOCTL_GET_IDLUN
#define SCSI_IOCTL_GET_IDLUN 0x5382
#endif
#ifndef SCSI_IOCTL_GET_BUS_NUMBER
#define SCSI_IOCTL_GET_BUS_NUMBER 0x5386
#endif

#define MAX_FDS 4096

static unsigned char fake[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int is_fake(int fd) { return fd >= 0 && fd < MAX_FDS && fake[fd]; }

static void mark(int fd, int on)
{
	if (fd >= 0 && fd < MAX_FDS)
		fake[fd] = (unsigned char)on;
}

static int is_dev(const char *path)
{
	const char *dev = getenv("DISCSTAGE_MMC_DEV");
	return path != NULL && dev != NULL && *dev != 0 && strcmp(path, dev) == 0;
}

static int connect_emulator(void)
{
	const char *sock = getenv("DISCSTAGE_MMC_SOCK");
	struct sockaddr_un sa;
	int fd;

	if (sock == NULL || strlen(sock) >= sizeof(sa.sun_path)) {
		errno = ENXIO;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e == ENOENT || e == ECONNREFUSED ? ENXIO : e;
		return -1;
	}
	mark(fd, 1);
	return fd;
}

#define REAL(name, type) \
	static type real_##name; \
	if (real_##name == NULL) \
		real_##name = (type)dlsym(RTLD_NEXT, #name)

typedef int (*open_fn)(const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*close_fn)(int);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*fcntl_fn)(int, int, ...);
typedef int (*ioctl_fn)(int, unsigned long, ...);

static mode_t mode_arg(int flags, va_list ap)
{
	if (flags & (O_CREAT | O_TMPFILE))
		return (mode_t)va_arg(ap, int);
	return 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	REAL(open, open_fn);
	if (is_dev(path))
		return connect_emulator();
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	REAL(open64, open_fn);
	if (is_dev(path))
		return connect_emulator();
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return real_open64(path, flags, mode);
}

int __open_2(const char *path, int flags)
{
	REAL(__open_2, open2_fn);
	if (is_dev(path))
		return connect_emulator();
	return real___open_2(path, flags);
}

int __open64_2(const char *path, int flags)
{
	REAL(__open64_2, open2_fn);
	if (is_dev(path))
		return connect_emulator();
	return real___open64_2(path, flags);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	REAL(openat, openat_fn);
	if (is_dev(path))
		return connect_emulator();
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	REAL(openat64, openat_fn);
	if (is_dev(path))
		return connect_emulator();
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return real_openat64(dirfd, path, flags, mode);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	REAL(__openat_2, openat2_fn);
	if (is_dev(path))
		return connect_emulator();
	return real___openat_2(dirfd, path, flags);
}

int close(int fd)
{
	REAL(close, close_fn);
	mark(fd, 0);
	return real_close(fd);
}

int dup(int fd)
{
	int n;
	REAL(dup, dup_fn);
	n = real_dup(fd);
	if (n >= 0 && is_fake(fd))
		mark(n, 1);
	return n;
}

int dup2(int fd, int to)
{
	int n;
	REAL(dup2, dup2_fn);
	n = real_dup2(fd, to);
	if (n >= 0)
		mark(n, is_fake(fd));
	return n;
}

static int fake_fcntl(int fd, int cmd, void *arg, fcntl_fn real)
{
	switch (cmd) {
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return 0; /* the emulator's drive is ours alone */
	case F_GETLK:
	case F_OFD_GETLK:
		((struct flock *)arg)->l_type = F_UNLCK;
		return 0;
	}
	return real(fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	REAL(fcntl, fcntl_fn);
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (is_fake(fd))
		return fake_fcntl(fd, cmd, arg, real_fcntl);
	return real_fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	REAL(fcntl64, fcntl_fn);
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (real_fcntl64 == NULL) {
		REAL(fcntl, fcntl_fn);
		real_fcntl64 = real_fcntl;
	}
	if (is_fake(fd))
		return fake_fcntl(fd, cmd, arg, real_fcntl64);
	return real_fcntl64(fd, cmd, arg);
}

static int full_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int full_read(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int sg_io(int fd, sg_io_hdr_t *h)
{
	uint32_t req[3], resp[4];
	uint32_t dir;
	unsigned char sense[255];

	if (h->interface_id != 'S' || h->iovec_count != 0 || h->cmd_len == 0 || h->cmd_len > 16) {
		errno = EINVAL;
		return -1;
	}
	switch (h->dxfer_direction) {
	case SG_DXFER_TO_DEV:
		dir = 2;
		break;
	case SG_DXFER_FROM_DEV:
	case SG_DXFER_TO_FROM_DEV:
		dir = 1;
		break;
	default:
		dir = 0;
	}
	req[0] = h->cmd_len;
	req[1] = dir;
	req[2] = dir == 0 ? 0 : h->dxfer_len;
	pthread_mutex_lock(&lock);
	if (full_write(fd, req, sizeof(req)) < 0 || full_write(fd, h->cmdp, h->cmd_len) < 0)
		goto io_error;
	if (dir == 2 && req[2] > 0 && full_write(fd, h->dxferp, req[2]) < 0)
		goto io_error;
	if (full_read(fd, resp, sizeof(resp)) < 0 || resp[1] > sizeof(sense) || resp[2] > req[2])
		goto io_error;
	if (full_read(fd, sense, resp[1]) < 0)
		goto io_error;
	if (resp[2] > 0 && full_read(fd, h->dxferp, resp[2]) < 0)
		goto io_error;
	pthread_mutex_unlock(&lock);

	h->status = (unsigned char)resp[0];
	h->masked_status = (unsigned char)((resp[0] >> 1) & 0x1f);
	h->msg_status = 0;
	h->host_status = 0;
	h->sb_len_wr = 0;
	h->driver_status = 0;
	if (resp[1] > 0 && h->sbp != NULL && h->mx_sb_len > 0) {
		unsigned n = resp[1] < h->mx_sb_len ? resp[1] : h->mx_sb_len;
		memcpy(h->sbp, sense, n);
		h->sb_len_wr = (unsigned char)n;
		h->driver_status = 0x08; /* DRIVER_SENSE */
	}
	h->resid = (int)resp[3];
	h->duration = 1;
	h->info = resp[0] != 0 ? SG_INFO_CHECK : SG_INFO_OK;
	return 0;

io_error:
	pthread_mutex_unlock(&lock);
	errno = EIO;
	return -1;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	REAL(ioctl, ioctl_fn);
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!is_fake(fd))
		return real_ioctl(fd, req, arg);
	switch (req) {
	case SG_IO:
		return sg_io(fd, (sg_io_hdr_t *)arg);
	case SCSI_IOCTL_GET_IDLUN: {
		int *idlun = arg; /* dev_id, host_unique_id */
		idlun[0] = (9 << 24) | (0 << 16) | (0 << 8) | 0;
		idlun[1] = 9;
		return 0;
	}
	case SCSI_IOCTL_GET_BUS_NUMBER:
		*(int *)arg = 9;
		return 0;
	case CDROM_DRIVE_STATUS:
		return CDS_DISC_OK;
	case SG_GET_SCSI_ID:
	case HDIO_GET_IDENTITY:
		errno = ENOTTY; /* as on an sr device */
		return -1;
	}
	if (getenv("DISCSTAGE_MMC_DEBUG") != NULL)
		fprintf(stderr, "mmcshim: ioctl %#lx on the emulated drive refused\n", req);
	errno = ENOTTY;
	return -1;
}
