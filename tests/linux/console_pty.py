#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The console driver on a terminal that nobody reads for a while.

On a terminal, fds 0, 1 and 2 share one open file description: a program
that makes its stdin O_NONBLOCK makes its stdout non-blocking too (and leaves
the shell a non-blocking terminal). The driver must wait for a full terminal,
not fail, must not change the terminal's flags, and must deliver every byte
once the terminal is read again.

    console_pty.py BINDIR
"""
import fcntl
import os
import pty
import signal
import subprocess
import sys
import tempfile
import time
import tty

signal.alarm(60)  # a regression fails instead of hanging the suite
bindir = sys.argv[1]
win = '/dev/shm/vob-pty-%d' % os.getpid()
work = tempfile.mkdtemp(prefix='vob-pty.')
procs = []


def fail(msg):
    print('FAIL: ' + msg)
    for p in procs:
        if p.poll() is None:
            p.kill()
    for f in ('drv.err', 'dev.err'):
        path = os.path.join(work, f)
        if os.path.exists(path):
            print('--- ' + f)
            print(open(path).read()[-2000:])
    cleanup()
    sys.exit(1)


def nonblocking(fd):
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)


def cleanup():
    for f in (win, win + '.sock', win + '.sock.lock', win + '.lock'):
        try:
            os.unlink(f)
        except FileNotFoundError:
            pass


cleanup()
data = b''.join(b'line %07d of what the device sends\n' % i for i in range(40000))
src = os.path.join(work, 'to_driver')
with open(src, 'wb') as f:
    f.write(data)

master, slave = pty.openpty()
tty.setraw(slave)  # bytes pass unchanged (no \n -> \r\n, no echo)
drv = subprocess.Popen([bindir + '/vob-console-drv', '-w', 'file:%s,size=1M' % win],
                       stdin=slave, stdout=slave,
                       stderr=open(os.path.join(work, 'drv.err'), 'w'))
procs.append(drv)
time.sleep(0.3)
dev = subprocess.Popen([bindir + '/vob-console-dev', '-w', win], stdin=open(src, 'rb'),
                       stdout=subprocess.DEVNULL,
                       stderr=open(os.path.join(work, 'dev.err'), 'w'))
procs.append(dev)

# Nobody reads the terminal (Ctrl-S, a slow terminal) for two seconds.
time.sleep(2)
if drv.poll() is not None:
    fail('the driver exited (rc %s) while the terminal was full' % drv.returncode)
if nonblocking(slave):
    fail('the driver made the terminal O_NONBLOCK')

# Read the terminal again: every byte must arrive.
got = bytearray()
end = time.monotonic() + 30
os.set_blocking(master, False)
while len(got) < len(data) and time.monotonic() < end:
    try:
        chunk = os.read(master, 65536)
    except BlockingIOError:
        time.sleep(0.01)
        continue
    got += chunk
if bytes(got) != data:
    fail('the terminal got %d of %d bytes%s' % (len(got), len(data),
         '' if len(got) < len(data) else ' (different)'))

drv.terminate()
try:
    rc = drv.wait(10)
except subprocess.TimeoutExpired:
    fail('the driver did not stop on SIGTERM')
dev.terminate()
dev.wait(10)
if rc != 0:
    fail('the driver exited with %d after SIGTERM' % rc)
if nonblocking(slave):
    fail('the terminal is O_NONBLOCK after the driver exited')
cleanup()
print('OK: the driver waited for the terminal, all %d bytes arrived, flags unchanged' % len(data))
