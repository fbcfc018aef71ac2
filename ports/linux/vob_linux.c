/* SPDX-License-Identifier: BSD-3-Clause */
/* The Linux port: spec strings, windows (mmap of files), the port ops, the
 * runner thread. Doorbells are in vob_linux_bell.c. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vob_linux_internal.h"

/* ---- errors and spec strings -------------------------------------------- */

int lx_fail(struct vob_linux *lx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lx->err, sizeof(lx->err), fmt, ap);
	va_end(ap);
	return err;
}

int lx_errno(int e)
{
	switch (e) {
	case ENOENT:
		return VOB_ENOENT;
	case EACCES:
	case EPERM:
	case EROFS:
		return VOB_EPERM;
	case ENOMEM:
		return VOB_ENOMEM;
	case EINVAL:
		return VOB_EINVAL;
	case ENODEV:
	case ENXIO:
		return VOB_ENODEV;
	case EBUSY:
	case EADDRINUSE:
		return VOB_EBUSY;
	case EEXIST:
		return VOB_EEXIST;
	case ENOSPC:
		return VOB_ENOSPC;
	case EAGAIN:
		return VOB_EAGAIN;
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
		return VOB_ECONNRESET;
	case ENOSYS:
		return VOB_ENOSYS;
	case ENOTSUP:
		return VOB_ENOTSUP;
	default:
		return VOB_EIO;
	}
}

const char *vob_linux_error(const struct vob_linux *lx)
{
	return lx ? lx->err : "";
}

int vob_linux_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	/* A digit first: strtoull would skip blanks and then accept a sign
	 * (" -1" is UINT64_MAX to it). */
	if (!s || *s < '0' || *s > '9')
		return VOB_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return VOB_EINVAL;
	if (*end) {
		switch (*end) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			return VOB_EINVAL;
		}
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end)
			return VOB_EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return VOB_EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int lx_spec_parse(struct vob_linux *lx, struct lx_spec *s, const char *what, const char *spec)
{
	char *p, *c;

	memset(s, 0, sizeof(*s));
	s->what = what;
	s->text = spec ? spec : "";
	if (!spec || !*spec)
		return lx_fail(lx, VOB_EINVAL, "%s: empty spec", what);
	if (strlen(spec) >= sizeof(s->buf))
		return lx_fail(lx, VOB_EINVAL, "%s '%.40s...': spec longer than %zu characters", what,
			       spec, sizeof(s->buf) - 1);
	strcpy(s->buf, spec);
	s->scheme = s->buf;
	p = s->buf + strcspn(s->buf, ":,");
	s->arg = p; /* "" unless a ':' follows */
	if (*p == ':') {
		*p++ = 0;
		s->arg = p;
		p += strcspn(p, ",");
	}
	if (*p == ',') {
		*p++ = 0;
		while (*p) {
			if (s->n == LX_SPEC_OPTS)
				return lx_fail(lx, VOB_EINVAL, "%s '%s': more than %d options", what,
					       spec, LX_SPEC_OPTS);
			s->key[s->n] = p;
			p += strcspn(p, ",");
			if (*p)
				*p++ = 0;
			c = strchr(s->key[s->n], '=');
			if (c) {
				*c = 0;
				s->val[s->n] = c + 1;
			} else {
				s->val[s->n] = c = s->key[s->n] + strlen(s->key[s->n]);
			}
			if (!*s->key[s->n])
				return lx_fail(lx, VOB_EINVAL, "%s '%s': empty option", what, spec);
			s->n++;
		}
	} else {
		*p = 0;
	}
	if (!*s->scheme)
		return lx_fail(lx, VOB_EINVAL, "%s '%s': no kind before ':'", what, spec);
	return 0;
}

const char *lx_spec_opt(struct lx_spec *s, const char *key)
{
	unsigned i;
	const char *v = NULL;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->key[i], key)) {
			s->used[i] = 1;
			v = s->val[i]; /* the last one wins */
		}
	return v;
}

int lx_spec_check_used(struct vob_linux *lx, struct lx_spec *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (!s->used[i])
			return lx_fail(lx, VOB_EINVAL, "%s '%s': unknown option '%s' for '%s:'",
				       s->what, s->text, s->key[i], s->scheme);
	return 0;
}

int lx_spec_num(struct vob_linux *lx, struct lx_spec *s, const char *key, uint64_t *out,
		int *present)
{
	const char *v = lx_spec_opt(s, key);

	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	if (vob_linux_parse_size(v, out))
		return lx_fail(lx, VOB_EINVAL, "%s '%s': %s='%s' is not a number (4096, 0x1000, 64K, "
			       "1M ...)", s->what, s->text, key, v);
	return 0;
}

/* ---- windows ------------------------------------------------------------- */

static size_t lx_page(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096u;
}

/* Why open(path) failed, in words. */
static int lx_open_fail(struct vob_linux *lx, struct lx_spec *s, const char *path, int e,
			int want_write)
{
	struct stat st;

	if (e == ENOENT)
		return lx_fail(lx, VOB_ENOENT, "%s '%s': %s does not exist%s", s->what, s->text, path,
			       !strcmp(s->scheme, "file") ? " (give size= to create it)" : "");
	if ((e == EACCES || e == EPERM) && !stat(path, &st))
		return lx_fail(lx, VOB_EPERM,
			       "%s '%s': permission denied opening %s for %s (owner uid %u, "
			       "mode %04o, we are uid %u)%s", s->what, s->text, path,
			       want_write ? "reading and writing" : "reading", (unsigned)st.st_uid,
			       (unsigned)(st.st_mode & 07777), (unsigned)geteuid(),
			       want_write ? "; fix the mode/owner, run as that user, or add ,ro" : "");
	return lx_fail(lx, lx_errno(e), "%s '%s': cannot open %s: %s", s->what, s->text, path,
		       strerror(e));
}

static int lx_read_sysfs_u64(const char *path, uint64_t *out)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return vob_linux_parse_size(buf, out) ? -EINVAL : 0;
}

void *lx_translate(struct vob_linux *lx, uint64_t addr, uint64_t len, unsigned access,
		   const struct vob_linux_window **wout)
{
	unsigned i;

	for (i = 0; i < lx->nwin; i++) {
		struct vob_linux_window *w = &lx->win[i];

		if (addr < w->link_addr || addr - w->link_addr > w->size ||
		    len > w->size - (addr - w->link_addr))
			continue;
		if ((access & w->access) != access)
			return NULL;
		if (wout)
			*wout = w;
		return w->ptr + (addr - w->link_addr);
	}
	return NULL;
}

/* A mapping of @delta + @size bytes from file offset @mmap_off. */
static int lx_place_set(struct lx_place *p, uint64_t mmap_off, uint64_t delta, uint64_t size,
			size_t pg)
{
	if (delta > UINT64_MAX - size || delta + size > SIZE_MAX - pg ||
	    mmap_off > (uint64_t)INT64_MAX)
		return VOB_ERANGE;
	p->mmap_off = mmap_off;
	p->delta = delta;
	p->map_len = delta + size;
	return 0;
}

int lx_place_file(uint64_t off, uint64_t size, size_t pg, struct lx_place *p)
{
	return lx_place_set(p, off - (off & (pg - 1u)), off & (pg - 1u), size, pg);
}

int lx_place_uio(uint64_t map, uint64_t moff, uint64_t off, uint64_t size, size_t pg,
		 struct lx_place *p)
{
	if (map > UINT64_MAX / pg || moff > UINT64_MAX - off)
		return VOB_ERANGE;
	return lx_place_set(p, map * pg, moff + off, size, pg);
}

/* Keep a path for messages, truncated if need be. */
static void lx_set_path(struct vob_linux_window *w, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(w->path))
		n = sizeof(w->path) - 1u;
	memcpy(w->path, path, n);
	w->path[n] = 0;
}

/* Refuse a link range [link, link + size) that wraps or overlaps a window
 * already mapped. */
static int lx_window_range(struct vob_linux *lx, const char *spec, uint64_t link, uint64_t size)
{
	unsigned i;

	if (size > UINT64_MAX - link)
		return lx_fail(lx, VOB_EINVAL, "window '%s': link=0x%" PRIx64 " + size wraps", spec,
			       link);
	for (i = 0; i < lx->nwin; i++)
		if (link < lx->win[i].link_addr + lx->win[i].size &&
		    lx->win[i].link_addr < link + size)
			return lx_fail(lx, VOB_EEXIST, "window '%s': link range 0x%" PRIx64
				       "+0x%" PRIx64 " overlaps window %u (%s): give link=", spec,
				       link, size, i, lx->win[i].path);
	return 0;
}

/* Undo a window that failed after its file was opened: close @fd, and
 * remove the file if this call created it (and it is still the one at that
 * path), so that a corrected spec does not find a half-made file. */
static void lx_window_abandon(const struct lx_spec *s, const struct vob_linux_window *w, int fd)
{
	struct stat ours, there;

	if (w->created && !strcmp(s->scheme, "file") && !fstat(fd, &ours) &&
	    !stat(s->arg, &there) && ours.st_dev == there.st_dev && ours.st_ino == there.st_ino)
		unlink(s->arg);
	close(fd);
}

/* Seal a file that can carry seals (a memfd) against shrinking: a peer that
 * truncates a window file under our MAP_SHARED mapping turns our next access
 * to the lost pages into a SIGBUS. Growing stays allowed (a peer may size an
 * empty memfd it opened). Files that cannot take the seal (tmpfs files opened
 * by path, disk files, a memfd made without MFD_ALLOW_SEALING) stay as they
 * are and w->sealed says so; the memfd this call made must take it. */
static int lx_window_seal(struct vob_linux *lx, struct lx_spec *s, struct vob_linux_window *w,
			  int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals >= 0 && !(seals & F_SEAL_SHRINK) && !fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))
		seals |= F_SEAL_SHRINK;
	w->sealed = seals >= 0 && (seals & F_SEAL_SHRINK);
	if (!w->sealed && !strcmp(s->scheme, "memfd"))
		return lx_fail(lx, lx_errno(errno), "%s '%s': cannot seal the memfd against "
			       "shrinking: %s", s->what, s->text, strerror(errno));
	return 0;
}

/* Open the file behind @s; fills @fd, @pl (where to mmap it) and @size; may
 * create and size a file. */
static int lx_window_open(struct vob_linux *lx, struct lx_spec *s, struct vob_linux_window *w,
			  int *fdp, struct lx_place *pl, uint64_t *sizep)
{
	uint64_t size = 0, off = 0;
	int has_size, has_off, fd = -1, wr = w->access & VOB_MAP_WRITE, err;
	int oflags = (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	struct stat st;
	char path[VOB_LINUX_PATH_LEN + 64];

	if ((err = lx_spec_num(lx, s, "size", &size, &has_size)) ||
	    (err = lx_spec_num(lx, s, "offset", &off, &has_off)))
		return err;
	if (has_size && !size)
		return lx_fail(lx, VOB_EINVAL, "%s '%s': size=0", s->what, s->text);
	if (size > UINT64_MAX - off)
		return lx_fail(lx, VOB_EINVAL, "%s '%s': offset + size wraps", s->what, s->text);

	if (!strcmp(s->scheme, "file")) {
		const char *create = lx_spec_opt(s, "create"), *nocreate = lx_spec_opt(s, "nocreate");
		const char *mode_s = lx_spec_opt(s, "mode");
		unsigned long mode = 0600;

		if (!*s->arg)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': no path after 'file:'", s->what,
				       s->text);
		if (mode_s) {
			char *end;

			mode = strtoul(mode_s, &end, 8);
			if (!*mode_s || *end || mode > 0777)
				return lx_fail(lx, VOB_EINVAL, "%s '%s': mode='%s' is not octal 0000-0777",
					       s->what, s->text, mode_s);
		}
		if (create && nocreate)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': both create and nocreate", s->what,
				       s->text);
		lx_set_path(w, s->arg);
		/* Every option is known by now: refuse a typo or a link range
		 * that overlaps before a file exists. */
		if ((err = lx_spec_check_used(lx, s)) ||
		    (has_size && (err = lx_window_range(lx, s->text, w->link_addr, size))))
			return err;
		if (has_size && wr && !nocreate) {
			fd = open(s->arg, oflags | O_CREAT | O_EXCL, (mode_t)mode);
			if (fd < 0 && errno == ENOENT) /* not the file: size= was given */
				return lx_fail(lx, VOB_ENOENT, "%s '%s': cannot create %s: its "
					       "directory does not exist", s->what, s->text, s->arg);
			if (fd < 0 && errno != EEXIST)
				return lx_open_fail(lx, s, s->arg, errno, wr);
			if (fd >= 0) {
				w->created = 1;
				/* The mode asked for, not masked by the umask. */
				if (fchmod(fd, (mode_t)mode)) {
					err = lx_fail(lx, lx_errno(errno), "%s '%s': fchmod %s "
						      "%04lo: %s", s->what, s->text, s->arg, mode,
						      strerror(errno));
					goto fail;
				}
			}
		} else if (create) {
			return lx_fail(lx, VOB_EINVAL, "%s '%s': create needs size= and write access",
				       s->what, s->text);
		}
		if (fd < 0)
			fd = open(s->arg, oflags);
		if (fd < 0)
			return lx_open_fail(lx, s, s->arg, errno, wr);
	} else if (!strcmp(s->scheme, "memfd")) {
		const char *inherit = lx_spec_opt(s, "inherit");

		if (!has_size)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': memfd needs size=", s->what, s->text);
		if (has_off)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': offset= makes no sense for a new memfd",
				       s->what, s->text);
		fd = memfd_create(*s->arg ? s->arg : "vob",
				  MFD_ALLOW_SEALING | (inherit ? 0u : MFD_CLOEXEC));
		if (fd < 0)
			return lx_fail(lx, lx_errno(errno), "%s '%s': memfd_create: %s", s->what,
				       s->text, strerror(errno));
		snprintf(w->path, sizeof(w->path), "memfd:%s", *s->arg ? s->arg : "vob");
		w->created = 1;
	} else if (!strcmp(s->scheme, "fd")) {
		char *end;
		long n = strtol(s->arg, &end, 10);

		if (!*s->arg || *end || n < 0 || n > INT_MAX)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': 'fd:' needs a file descriptor number",
				       s->what, s->text);
		fd = fcntl((int)n, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return lx_fail(lx, lx_errno(errno), "%s '%s': fd %ld: %s", s->what, s->text, n,
				       strerror(errno));
		snprintf(w->path, sizeof(w->path), "fd %ld", n);
	} else if (!strcmp(s->scheme, "uio")) {
		const char *dev = s->arg, *name;
		uint64_t map = 0, msize, moff;
		int has_map, e;

		if ((err = lx_spec_num(lx, s, "map", &map, &has_map)))
			return err;
		if (!*dev)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': 'uio:' needs /dev/uioN", s->what, s->text);
		name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
		if (strncmp(name, "uio", 3) || !name[3])
			return lx_fail(lx, VOB_EINVAL, "%s '%s': '%s' is not a /dev/uioN name", s->what,
				       s->text, dev);
		if (map > 4)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': map=%" PRIu64 " (UIO has maps 0-4)",
				       s->what, s->text, map);
		snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map%" PRIu64 "/size", name, map);
		e = lx_read_sysfs_u64(path, &msize);
		if (e)
			return lx_fail(lx, e == -ENOENT ? VOB_ENOENT : lx_errno(-e),
				       "%s '%s': cannot read %s: %s (is %s bound to a UIO driver, with a "
				       "map %" PRIu64 "?)", s->what, s->text, path, strerror(-e), name, map);
		snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map%" PRIu64 "/offset", name, map);
		if (lx_read_sysfs_u64(path, &moff))
			moff = 0;
		if (has_off && off >= msize)
			return lx_fail(lx, VOB_ERANGE, "%s '%s': offset beyond the map's %" PRIu64 " bytes",
				       s->what, s->text, msize);
		if (!has_size)
			size = msize - off;
		if (size > msize - off)
			return lx_fail(lx, VOB_ERANGE, "%s '%s': offset+size beyond the map's %" PRIu64
				       " bytes", s->what, s->text, msize);
		if (lx_place_uio(map, moff, off, size, lx_page(), pl))
			return lx_fail(lx, VOB_ERANGE, "%s '%s': map offset %" PRIu64 " + offset + "
				       "size cannot be mapped", s->what, s->text, moff);
		snprintf(path, sizeof(path), "%s%s", dev[0] == '/' ? "" : "/dev/", dev);
		lx_set_path(w, path);
		fd = open(path, oflags);
		if (fd < 0)
			return lx_open_fail(lx, s, path, errno, wr);
		*fdp = fd;
		*sizep = size;
		return 0;
	} else if (!strcmp(s->scheme, "pci")) {
		uint64_t bar = 0;
		int has_bar;
		const char *wc = lx_spec_opt(s, "wc");

		if ((err = lx_spec_num(lx, s, "bar", &bar, &has_bar)))
			return err;
		if (!*s->arg)
			return lx_fail(lx, VOB_EINVAL, "%s '%s': 'pci:' needs DDDD:BB:DD.F or a sysfs "
				       "resource path", s->what, s->text);
		if (s->arg[0] == '/') {
			if (has_bar)
				return lx_fail(lx, VOB_EINVAL, "%s '%s': bar= with a resource path",
					       s->what, s->text);
			snprintf(path, sizeof(path), "%s%s", s->arg, wc ? "_wc" : "");
		} else {
			unsigned dom, bus, dv, fn;
			char tail;

			if (sscanf(s->arg, "%x:%x:%x.%x%c", &dom, &bus, &dv, &fn, &tail) != 4)
				return lx_fail(lx, VOB_EINVAL, "%s '%s': '%s' is not DDDD:BB:DD.F", s->what,
					       s->text, s->arg);
			if (!has_bar || bar > 5)
				return lx_fail(lx, VOB_EINVAL, "%s '%s': needs bar=0..5", s->what, s->text);
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%" PRIu64 "%s",
				 s->arg, bar, wc ? "_wc" : "");
		}
		lx_set_path(w, path);
		fd = open(path, oflags);
		if (fd < 0)
			return lx_open_fail(lx, s, path, errno, wr);
	} else {
		return lx_fail(lx, VOB_EINVAL, "%s '%s': unknown kind '%s' (file, memfd, fd, uio, pci)",
			       s->what, s->text, s->scheme);
	}

	if (fstat(fd, &st)) {
		err = lx_fail(lx, lx_errno(errno), "%s '%s': fstat: %s", s->what, s->text,
			      strerror(errno));
		goto fail;
	}
	if (S_ISREG(st.st_mode)) {
		uint64_t fsize = (uint64_t)st.st_size;

		if (has_size && (w->created || fsize == 0) && wr) {
			/* New (or created empty by a peer racing us): size it
			 * to hold the window. */
			uint64_t want = off + size;

			err = 0;
			if (want > (uint64_t)INT64_MAX) {
				errno = EFBIG;
				err = VOB_ERANGE;
			} else if (ftruncate(fd, (off_t)want)) {
				err = lx_errno(errno);
			}
			if (err) {
				err = lx_fail(lx, err, "%s '%s': cannot size %s to %" PRIu64
					      " bytes: %s", s->what, s->text, w->path, want,
					      strerror(errno));
				goto fail;
			}
			fsize = want;
		}
		if (!fsize) {
			err = lx_fail(lx, VOB_ERANGE, "%s '%s': %s is empty (give size=)", s->what,
				      s->text, w->path);
			goto fail;
		}
		if (off >= fsize) {
			err = lx_fail(lx, VOB_ERANGE, "%s '%s': offset %" PRIu64 " is beyond the end of "
				      "%s (%" PRIu64 " bytes)", s->what, s->text, off, w->path, fsize);
			goto fail;
		}
		if (!has_size) {
			size = fsize - off;
		} else if (!has_off && fsize != size && !strcmp(s->scheme, "file")) {
			err = lx_fail(lx, VOB_ERANGE, "%s '%s': %s is %" PRIu64 " bytes, not the %" PRIu64
				      " asked for (another configuration made it? remove it, or use "
				      "size=%" PRIu64 ")", s->what, s->text, w->path, fsize, size, fsize);
			goto fail;
		} else if (size > fsize - off) {
			err = lx_fail(lx, VOB_ERANGE, "%s '%s': offset+size (%" PRIu64 ") is beyond the "
				      "end of %s (%" PRIu64 " bytes)", s->what, s->text, off + size,
				      w->path, fsize);
			goto fail;
		}
		err = lx_window_seal(lx, s, w, fd);
		if (err)
			goto fail;
	} else if (!has_size) {
		err = lx_fail(lx, VOB_EINVAL, "%s '%s': %s is not a regular file: give size=", s->what,
			      s->text, w->path);
		goto fail;
	}
	if (lx_place_file(off, size, lx_page(), pl)) {
		err = lx_fail(lx, VOB_ERANGE, "%s '%s': offset %" PRIu64 " + size %" PRIu64
			      " cannot be mapped", s->what, s->text, off, size);
		goto fail;
	}
	*fdp = fd;
	*sizep = size;
	return 0;
fail:
	lx_window_abandon(s, w, fd);
	return err;
}

int vob_linux_add_window(struct vob_linux *lx, const char *spec)
{
	struct lx_spec s;
	struct vob_linux_window w;
	struct lx_place pl;
	uint64_t link = 0, size = 0;
	const char *kind, *owner;
	int err, fd = -1, prot;
	void *m;

	if (!lx)
		return VOB_EINVAL;
	err = lx_spec_parse(lx, &s, "window", spec);
	if (err)
		return err;
	if (lx->nwin >= VOB_LINUX_MAX_WINDOWS)
		return lx_fail(lx, VOB_E2BIG, "window '%s': already %d windows", spec,
			       VOB_LINUX_MAX_WINDOWS);
	memset(&w, 0, sizeof(w));
	w.fd = -1;
	w.owner = VOB_WIN_LOCAL;
	w.access = VOB_MAP_READ | VOB_MAP_WRITE;
	w.kind = (!strcmp(s.scheme, "uio") || !strcmp(s.scheme, "pci")) ? VOB_MEM_UNCACHED
									 : VOB_MEM_COHERENT;
	if ((err = lx_spec_num(lx, &s, "link", &link, NULL)))
		return err;
	w.link_addr = link;
	if (lx_spec_opt(&s, "ro"))
		w.access = VOB_MAP_READ;
	kind = lx_spec_opt(&s, "kind");
	if (kind) {
		if (!strcmp(kind, "coherent"))
			w.kind = VOB_MEM_COHERENT;
		else if (!strcmp(kind, "uncached"))
			w.kind = VOB_MEM_UNCACHED;
		else
			return lx_fail(lx, VOB_EINVAL, "window '%s': kind='%s': coherent or uncached "
				       "(userspace cannot clean or invalidate caches: a cached, "
				       "non-coherent window needs another port)", spec, kind);
	}
	owner = lx_spec_opt(&s, "owner");
	if (owner) {
		if (!strcmp(owner, "local"))
			w.owner = VOB_WIN_LOCAL;
		else if (!strcmp(owner, "peer"))
			w.owner = VOB_WIN_PEER;
		else
			return lx_fail(lx, VOB_EINVAL, "window '%s': owner='%s': local or peer", spec,
				       owner);
	}
	err = lx_window_open(lx, &s, &w, &fd, &pl, &size);
	if (err)
		return err;
	if ((err = lx_spec_check_used(lx, &s)) || (err = lx_window_range(lx, spec, link, size)))
		goto fail;
	if (pl.delta % LX_WINDOW_ALIGN) {
		/* mmap returns page-aligned memory: the window's pointer is
		 * aligned as its offset into the mapping. */
		err = lx_fail(lx, VOB_EINVAL, "window '%s': would start %" PRIu64 " bytes into "
			      "a page of %s, not a multiple of %u (vob's shared words are aligned "
			      "atomics); give an offset= that keeps it one", spec, pl.delta,
			      w.path, LX_WINDOW_ALIGN);
		goto fail;
	}
	prot = PROT_READ | ((w.access & VOB_MAP_WRITE) ? PROT_WRITE : 0);
	m = mmap(NULL, (size_t)pl.map_len, prot, MAP_SHARED, fd, (off_t)pl.mmap_off);
	if (m == MAP_FAILED) {
		err = lx_fail(lx, errno == EACCES || errno == EPERM ? VOB_EPERM : VOB_EFAULT,
			      "window '%s': mmap of %" PRIu64 " bytes at offset %" PRIu64 " of %s: %s",
			      spec, pl.map_len, pl.mmap_off, w.path, strerror(errno));
		goto fail;
	}
	w.map = m;
	w.map_len = (size_t)pl.map_len;
	w.ptr = (uint8_t *)m + pl.delta;
	w.size = size;
	w.fd = fd;
	lx->win[lx->nwin] = w;
	lx->err[0] = 0;
	return (int)lx->nwin++;
fail:
	lx_window_abandon(&s, &w, fd);
	return err;
}

const struct vob_linux_window *vob_linux_window(const struct vob_linux *lx, unsigned i)
{
	return lx && i < lx->nwin ? &lx->win[i] : NULL;
}

/* ---- the port ops ------------------------------------------------------- */

static void *lx_map_window(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	return lx_translate(ctx, link_addr, len, access, NULL);
}

static int lx_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	return lx_bell_ring(ctx, id, data);
}

static uint64_t lx_clock_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const struct vob_port_ops vob_linux_ops = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = lx_map_window,
	.ring_doorbell = lx_ring_doorbell,
	.cache_clean = NULL,      /* windows are coherent or uncached */
	.cache_invalidate = NULL,
	.dma_copy = NULL,
	.clock_ns = lx_clock_ns,
};

int vob_linux_init(struct vob_linux *lx)
{
	struct epoll_event ev;
	unsigned i;

	if (!lx)
		return VOB_EINVAL;
	memset(lx, 0, sizeof(*lx));
	lx->lfd = lx->cfd = lx->fwd_fd = lx->uio_fd = lx->tfd = -1;
	lx->uio_idshift = -1;
	for (i = 0; i < VOB_MAX_DOORBELLS; i++)
		lx->in_fd[i] = lx->out_fd[i] = -1;
	lx->bell = VOB_LINUX_BELL_POLL;
	lx->epfd = epoll_create1(EPOLL_CLOEXEC);
	lx->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (lx->epfd < 0 || lx->kickfd < 0)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = LX_TAG_KICK;
	if (epoll_ctl(lx->epfd, EPOLL_CTL_ADD, lx->kickfd, &ev))
		goto fail;
	return 0;
fail:
	lx_fail(lx, VOB_ENOMEM, "epoll/eventfd: %s", strerror(errno));
	if (lx->epfd >= 0)
		close(lx->epfd);
	if (lx->kickfd >= 0)
		close(lx->kickfd);
	lx->epfd = lx->kickfd = -1;
	return VOB_ENOMEM;
}

int vob_linux_attach(struct vob_linux *lx, struct vob_link *link, uint32_t line)
{
	unsigned i;
	int err;

	if (!lx || !link)
		return VOB_EINVAL;
	err = vob_link_init(link, &vob_linux_ops, lx, line);
	if (err)
		return lx_fail(lx, err, "vob_link_init: %s (line size %u?)", vob_strerror(err), line);
	for (i = 0; i < lx->nwin; i++) {
		struct vob_window_cfg c;

		memset(&c, 0, sizeof(c));
		c.link_addr = lx->win[i].link_addr;
		c.size = lx->win[i].size;
		c.kind = lx->win[i].kind;
		c.owner = lx->win[i].owner;
		c.access = lx->win[i].access;
		err = vob_link_add_window(link, &c);
		if (err < 0)
			return lx_fail(lx, err, "window %u (%s): vob_link_add_window: %s", i,
				       lx->win[i].path, vob_strerror(err));
	}
	lx->link = link;
	return 0;
}

int lx_mark_all(struct vob_linux *lx)
{
	uint32_t id;

	for (id = 0; id < VOB_MAX_DOORBELLS; id++)
		vob_on_irq_isr(lx->link, id);
	lx->stats.received += VOB_MAX_DOORBELLS;
	return VOB_MAX_DOORBELLS;
}

int vob_linux_wait(struct vob_linux *lx, int timeout_ms)
{
	if (!lx || !lx->link)
		return VOB_EINVAL;
	return lx_bell_wait(lx, timeout_ms);
}

void vob_linux_wake(struct vob_linux *lx)
{
	uint64_t one = 1;

	__atomic_store_n(&lx->kicked, 1, __ATOMIC_SEQ_CST);
	if (write(lx->kickfd, &one, sizeof(one)) < 0) {
		/* counter full: a wake is pending anyway */
	}
	if (lx->f_in) {
		/* A direct futex waiter sleeps on our own half's sequence. */
		__atomic_fetch_add(&lx->f_in[LX_FX_SEQ], 1u, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &lx->f_in[LX_FX_SEQ], FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
}

const struct vob_linux_stats *vob_linux_stats(const struct vob_linux *lx)
{
	return &lx->stats;
}

/* ---- runner ----------------------------------------------------------------- */

static void *lx_runner(void *arg)
{
	struct vob_linux *lx = arg;
	int r = 0;

	while (!__atomic_load_n(&lx->runner_stop, __ATOMIC_ACQUIRE)) {
		r = lx->work(lx->work_arg);
		if (r < 0)
			break;
		if (r > 0) {
			vob_linux_drain(lx);
			continue;
		}
		r = vob_linux_wait(lx, lx->tick_ms);
		if (r < 0)
			break;
		r = 0;
	}
	lx->runner_ret = r < 0 ? r : 0;
	return NULL;
}

int vob_linux_runner_start(struct vob_linux *lx, vob_linux_work_fn work, void *arg, int tick_ms)
{
	int e;

	if (!lx || !work || !lx->link)
		return VOB_EINVAL;
	if (lx->runner_on)
		return VOB_EBUSY;
	lx->work = work;
	lx->work_arg = arg;
	lx->tick_ms = tick_ms;
	lx->runner_stop = 0;
	lx->runner_ret = 0;
	e = pthread_create(&lx->runner, NULL, lx_runner, lx); /* returns its error, no errno */
	if (e)
		return lx_fail(lx, VOB_ENOMEM, "runner thread: %s", strerror(e));
	lx->runner_on = 1;
	return 0;
}

int vob_linux_runner_stop(struct vob_linux *lx)
{
	if (!lx || !lx->runner_on)
		return 0;
	__atomic_store_n(&lx->runner_stop, 1, __ATOMIC_RELEASE);
	vob_linux_wake(lx);
	pthread_join(lx->runner, NULL);
	lx->runner_on = 0;
	return lx->runner_ret;
}

void vob_linux_close(struct vob_linux *lx)
{
	unsigned i;

	if (!lx)
		return;
	vob_linux_runner_stop(lx);
	lx_bell_close(lx);
	for (i = 0; i < lx->nwin; i++) {
		if (lx->win[i].map)
			munmap(lx->win[i].map, lx->win[i].map_len);
		if (lx->win[i].fd >= 0)
			close(lx->win[i].fd);
	}
	lx->nwin = 0;
	if (lx->kickfd >= 0)
		close(lx->kickfd);
	if (lx->epfd >= 0)
		close(lx->epfd);
	lx->kickfd = lx->epfd = -1;
	lx->link = NULL;
}
