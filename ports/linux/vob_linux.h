/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vob_linux.h
 * @brief The Linux userspace port: windows from files, doorbells from
 * eventfds, futexes or UIO interrupts, and one pollable fd per link.
 *
 * @defgroup vob_linux Linux userspace port
 * @{
 * One @c struct vob_linux is the port context of one link. It holds
 *
 * - **windows**: files mapped with mmap(MAP_SHARED), each named by a spec
 *   string (vob_linux_add_window()):
 *   - `file:PATH[,size=N][,offset=N]`: a shared-memory file (`/dev/shm/...`)
 *     or any mmap-able file; created with @c size when missing;
 *   - `memfd:NAME,size=N`: an anonymous memfd (share it with
 *     `fd:N` across fork/exec, or `file:/proc/PID/fd/N`);
 *   - `fd:N[,size=N][,offset=N]`: an fd this process already has;
 *   - `uio:/dev/uioN[,map=M]`: map M of a UIO device (size and offset from
 *     sysfs);
 *   - `pci:DDDD:BB:DD.F[,bar=N]` or `pci:/sys/bus/pci/devices/.../resourceN`:
 *     a PCI BAR through its sysfs resource file (an endpoint, NTB or
 *     ivshmem BAR);
 *   with the common options `link=ADDR` (link address of the first byte,
 *   default 0), `kind=coherent|uncached` (default: coherent for files,
 *   uncached for uio and pci), `owner=local|peer` (default local) and `ro`.
 * - **one doorbell mechanism** (vob_linux_set_doorbell()):
 *   - `eventfd:SOCKET_PATH[,ids=N]`: doorbell sockets exchanged over a unix
 *     socket with SCM_RIGHTS, one per doorbell id per direction (one end of
 *     a unix datagram socketpair each; the name is historical: they were
 *     eventfds up to hello version 1);
 *   - `futex:ADDR`: a doorbell block of @ref VOB_LINUX_FUTEX_BYTES at link
 *     address ADDR in a coherent window (pending-id bits, a sequence word,
 *     FUTEX_WAKE), needing no other channel;
 *   - `uio:/dev/uioN[,reg=MAP:OFFSET][,value=V][,idshift=S]`: interrupts
 *     read from /dev/uioN, the peer rung by a 32-bit write to a register in
 *     a map of the same device;
 *   - `poll[:INTERVAL_US]`: no doorbells; both sides poll (without an
 *     interval the pollable fd is always readable).
 * - **one pollable file descriptor** (vob_linux_fd(), an epoll fd) that
 *   becomes readable when any doorbell arrives; vob_linux_drain() turns what
 *   arrived into vob_on_irq_isr() calls on the link; vob_linux_wait() blocks
 *   with a time-out and drains.
 * - an optional **runner thread** (vob_linux_runner_start()).
 *
 * The port holds no protocol logic: restarts of either side are recovered
 * by the device table's epochs (docs/protocol.md); the port only makes sure
 * that a reconnecting peer produces a doorbell so the table gets looked at.
 *
 * Every function that can fail returns 0 (or a count) or a negative
 * error (enum vob_err), and leaves an English explanation in vob_linux_error().
 *
 * Threads: a @c struct vob_linux and its link belong to one thread (the
 * application's, or the runner's); vob_linux_wake() and vob_linux_fd() may
 * be called from any thread (concurrent vob_linux_fd() calls start one
 * forwarder between them).
 */
#ifndef VOB_LINUX_H
#define VOB_LINUX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "vob/vob.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Most windows one context maps. */
#define VOB_LINUX_MAX_WINDOWS VOB_MAX_WINDOWS
/** @brief Bytes of the explanation kept by vob_linux_error(). */
#define VOB_LINUX_ERR_LEN 320
/** @brief Longest path kept per window or socket. */
#define VOB_LINUX_PATH_LEN 192

/**
 * @brief Bytes of the futex doorbell block (two halves of 128 bytes, one
 * per direction). It must lie in a coherent window, start on a 128-byte
 * boundary and not overlap the device table, rings or buffers.
 */
#define VOB_LINUX_FUTEX_BYTES 256u

/** @brief Doorbell mechanisms (see vob_linux_set_doorbell()). */
enum vob_linux_bell {
	VOB_LINUX_BELL_POLL = 0,    /**< none: both sides poll */
	VOB_LINUX_BELL_EVENTFD = 1, /**< datagram socketpairs passed over a unix socket */
	VOB_LINUX_BELL_FUTEX = 2,   /**< a futex doorbell block in the window */
	VOB_LINUX_BELL_UIO = 3      /**< UIO interrupts in, a register write out */
};

/** @brief One mapped window (read-only to users). */
struct vob_linux_window {
	uint64_t link_addr;  /**< link address of the first byte */
	uint64_t size;       /**< bytes */
	uint8_t *ptr;        /**< local pointer to @c link_addr */
	void *map;           /**< what mmap returned (page aligned) */
	size_t map_len;      /**< bytes mapped */
	int fd;              /**< the file, kept open (-1 when closed) */
	uint8_t kind;        /**< enum vob_mem_kind */
	uint8_t owner;       /**< VOB_WIN_LOCAL or VOB_WIN_PEER */
	uint8_t access;      /**< VOB_MAP_READ | VOB_MAP_WRITE */
	uint8_t created;     /**< this call created (and sized) the file */
	uint8_t sealed;      /**< the file carries F_SEAL_SHRINK: nobody can shrink it
			      *   under the mapping (memfds; see vob_linux_add_window()) */
	char path[VOB_LINUX_PATH_LEN]; /**< the file, for messages */
};

/** @brief Counters of the port (see vob_linux_stats()). */
struct vob_linux_stats {
	uint64_t rung;        /**< doorbells rung toward the peer */
	uint64_t rung_lost;   /**< of which no peer was connected to receive */
	uint64_t received;    /**< doorbell ids handed to vob_on_irq_isr() */
	uint64_t sleeps;      /**< vob_linux_wait() calls that blocked */
	uint64_t connects;    /**< eventfd: peers that connected */
	uint64_t disconnects; /**< eventfd: peers that went away */
};

/**
 * @brief Work function of the runner thread.
 * @return >0 to be called again at once (work may remain), 0 to be called
 *         again after the next doorbell or tick, <0 to stop the runner.
 */
typedef int (*vob_linux_work_fn)(void *arg);

/**
 * @brief The port context. Place it anywhere; call vob_linux_init() first.
 * Treat the fields as private.
 */
struct vob_linux {
	struct vob_link *link;                            /**< set by vob_linux_attach() */
	struct vob_linux_window win[VOB_LINUX_MAX_WINDOWS]; /**< the windows */
	unsigned nwin;                                    /**< windows in use */
	int bell;                                         /**< @ref vob_linux_bell */
	unsigned side;                                    /**< 0 or 1 (futex halves) */
	int epfd;                                         /**< the pollable fd */
	int kickfd;                                       /**< eventfd of vob_linux_wake() */
	int kicked;                                       /**< futex: a wake is pending */
	/* eventfd + unix socket */
	char sock_path[VOB_LINUX_PATH_LEN];               /**< socket path */
	int lfd;                                          /**< listening socket, or -1 */
	uint64_t sock_ino;                                /**< inode of the socket file we bound */
	int cfd;                                          /**< connected socket, or -1 */
	unsigned nids;                                    /**< incoming eventfds */
	unsigned peer_nids;                               /**< outgoing eventfds (0: no peer) */
	int in_fd[VOB_MAX_DOORBELLS];                     /**< ours, read here */
	int out_fd[VOB_MAX_DOORBELLS];                    /**< the peer's, written here */
	uint32_t peer_pid;                                /**< the connected peer's pid */
	/* futex */
	uint64_t futex_addr;                              /**< link address of the block */
	uint32_t *f_in;                                   /**< our half (we wait on it) */
	uint32_t *f_out;                                  /**< the peer's half (we ring it) */
	int fwd_fd;                                       /**< eventfd fed by the forwarder */
	int fwd_on;                                       /**< forwarder thread running */
	int fwd_stop;                                     /**< asks it to stop */
	pthread_t fwd;                                    /**< the forwarder thread */
	/* uio */
	int uio_fd;                                       /**< /dev/uioN, or -1 */
	volatile uint32_t *uio_reg;                       /**< doorbell register, or NULL */
	void *uio_map;                                    /**< its map */
	size_t uio_map_len;                               /**< its map length */
	uint32_t uio_value;                               /**< value written */
	int uio_idshift;                                  /**< id << shift is or-ed in (-1: no) */
	int uio_irqcontrol;                               /**< re-enable by writing 1 */
	/* poll */
	int tfd;                                          /**< timerfd, or -1 */
	uint32_t interval_us;                             /**< poll interval */
	/* runner */
	pthread_t runner;                                 /**< the runner thread */
	int runner_on;                                    /**< running */
	int runner_stop;                                  /**< asks it to stop */
	int runner_ret;                                   /**< what it stopped with */
	vob_linux_work_fn work;                           /**< its work function */
	void *work_arg;                                   /**< and argument */
	int tick_ms;                                      /**< and tick */
	struct vob_linux_stats stats;                     /**< counters */
	char err[VOB_LINUX_ERR_LEN];                      /**< last error text */
};

/** @brief The port operations (map_window, ring_doorbell, clock_ns). */
extern const struct vob_port_ops vob_linux_ops;

/**
 * @brief Initialise a context: no windows, poll doorbells, no fds open
 * except the epoll fd and the wake eventfd.
 * @return 0, or VOB_ENOMEM when the fds cannot be created.
 */
int vob_linux_init(struct vob_linux *lx);

/**
 * @brief Map a window named by @p spec (see the module description).
 *
 * `file:` creates the file with mode 0600 (`mode=0660` to change; the
 * umask does not apply) when it
 * is missing and `size=` is given (`nocreate` forbids it), sizes a new or
 * empty file to `offset=` + `size=`, and refuses an existing file of
 * another size. Unknown options and an overlapping link range are refused
 * before anything is created, and a file this call created is removed
 * again when the call fails later. A `memfd:`
 * window is sealed with F_SEAL_SHRINK, and any other window over a file
 * that can take that seal (a memfd made with MFD_ALLOW_SEALING) gets it
 * too, so that no peer can truncate it under the mapping (which would make
 * this side's next access a SIGBUS); vob_linux_window::sealed tells which.
 * A file that cannot be sealed (`/dev/shm`, disk) is mapped all the same:
 * a peer that can truncate it can crash this process. The window's first
 * byte must be 8-byte aligned in memory (an `offset=` that is a multiple
 * of 8; for `uio:` the map's own offset counts too), because vob's shared
 * words are aligned atomics. Setup time only; may block.
 * @return the window index; VOB_EINVAL for a malformed spec or a window
 *         that would not be 8-byte aligned; VOB_ENOENT for
 *         a missing file; VOB_EPERM when permission is denied; VOB_ERANGE for
 *         a file of the wrong size or an offset/size outside it; VOB_E2BIG
 *         when @ref VOB_LINUX_MAX_WINDOWS are in use; VOB_EFAULT when mmap
 *         fails; VOB_EEXIST when the link range overlaps another window.
 */
int vob_linux_add_window(struct vob_linux *lx, const char *spec);

/** @brief Window @p i, or NULL. */
const struct vob_linux_window *vob_linux_window(const struct vob_linux *lx, unsigned i);

/**
 * @brief Choose the doorbell mechanism from a spec string.
 *
 * Call once, after the windows (a futex block must lie in one) and before
 * or after vob_linux_attach(). @p side (0 or 1, the table side) picks which
 * half of a futex block this side waits on; both sides must differ.
 * `eventfd:` connects to the socket, or listens on it when nobody does
 * (a stale socket file left by a dead process is replaced; this call may
 * block on the lock file `PATH.lock` while another process holds it); the
 * peer's doorbell sockets arrive later, through vob_linux_drain().
 * After a lost connection the port re-establishes it without blocking,
 * retrying every 100 ms from a timer in the epoll set.
 * Called after vob_linux_fd() in poll mode, it sets up what the new
 * doorbell needs behind the fd (the futex forwarder).
 * @return 0; VOB_EINVAL for a malformed spec; VOB_EFAULT when a futex block
 *         is not inside a coherent writable window; VOB_ENOENT, VOB_EPERM
 *         for a missing or forbidden device or socket path; VOB_EBUSY when a
 *         doorbell is already set.
 */
int vob_linux_set_doorbell(struct vob_linux *lx, const char *spec, unsigned side);

/**
 * @brief Initialise @p link with this port and add every window to it.
 * @param lx the context, with its windows added.
 * @param link the link to set up (every field overwritten); it must outlive
 *        the context's use.
 * @param line cache-line size of the link (0: default); both sides equal.
 * @return 0, or what vob_link_init() / vob_link_add_window() return.
 */
int vob_linux_attach(struct vob_linux *lx, struct vob_link *link, uint32_t line);

/**
 * @brief The one pollable fd of the link: readable when a doorbell (or a
 * peer connection, or a wake) arrived. Put it in epoll, poll or any loop,
 * then call vob_linux_drain(). With a futex doorbell the first call starts
 * a small forwarder thread that turns futex wake-ups into fd events. In
 * poll mode without an interval the fd is always readable (and
 * vob_linux_drain() marks every id), as vob_linux_wait() never blocks
 * there. Any thread; concurrent calls start one forwarder.
 * @return the fd (owned by the context), or VOB_EINVAL, or VOB_ENOMEM when
 *         the forwarder's eventfd or thread cannot be created.
 */
int vob_linux_fd(struct vob_linux *lx);

/**
 * @brief Without blocking, hand every doorbell that arrived to
 * vob_on_irq_isr() on the link, and service the eventfd socket (accept,
 * exchange doorbell sockets, notice a peer that left, retry a lost
 * connection when its timer expired).
 *
 * A pending vob_linux_wake() makes the fd readable; a drain makes it not
 * readable again but does not consume the wake: the next vob_linux_wait()
 * still returns at once.
 * @return the number of doorbell ids marked pending (a peer connecting or
 *         leaving marks every id); VOB_EINVAL before vob_linux_attach().
 */
int vob_linux_drain(struct vob_linux *lx);

/**
 * @brief Block until a doorbell arrives, vob_linux_wake() is called or
 * @p timeout_ms passes (-1: no time-out, 0: do not block), then drain.
 *
 * In poll mode without an interval it does not block: it yields the CPU
 * once (when @p timeout_ms is not 0), marks every id pending and returns,
 * so the caller's loop spins.
 *
 * A wake made before the call (and not yet taken by an earlier wait) makes
 * it return at once; a wait consumes the wake it returns for. A signal
 * handled meanwhile does not end the wait: it sleeps again for the rest of
 * @p timeout_ms. Nothing else ends it early either (a connection accepted,
 * a retry of the eventfd socket).
 * @return as vob_linux_drain() (0 on time-out or wake).
 */
int vob_linux_wait(struct vob_linux *lx, int timeout_ms);

/**
 * @brief Make a vob_linux_wait() in progress (or the next one) return.
 * Any thread. Several wakes before a wait count as one; vob_linux_drain()
 * does not consume a wake.
 */
void vob_linux_wake(struct vob_linux *lx);

/** @brief Whether a peer is connected (eventfd doorbells; 1 for the others). */
int vob_linux_peer_connected(const struct vob_linux *lx);

/** @brief The port's counters. */
const struct vob_linux_stats *vob_linux_stats(const struct vob_linux *lx);

/** @brief Explanation of the last error, or "" (never NULL). */
const char *vob_linux_error(const struct vob_linux *lx);

/**
 * @brief Start a thread that owns the link from now on: it calls @p work,
 * then waits for a doorbell or @p tick_ms (-1: no tick), and again, until
 * @p work returns <0 or vob_linux_runner_stop() is called.
 * @return 0; VOB_EBUSY when running; VOB_ENOMEM when no thread starts.
 */
int vob_linux_runner_start(struct vob_linux *lx, vob_linux_work_fn work, void *arg,
			   int tick_ms);

/**
 * @brief Stop the runner thread and join it.
 * @return the negative value @p work stopped with, or 0.
 */
int vob_linux_runner_stop(struct vob_linux *lx);

/**
 * @brief Stop threads, close every fd and unmap every window. A socket this
 * side listened on is unlinked; files are left in place.
 */
void vob_linux_close(struct vob_linux *lx);

/**
 * @brief Parse a size such as `4096`, `0x1000`, `64K`, `1M` or `2G`
 * (binary multiples).
 * @return 0, or VOB_EINVAL (also for a sign, or blanks before or after).
 */
int vob_linux_parse_size(const char *s, uint64_t *out);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_LINUX_H */
