#!/usr/bin/env python3
"""it_state_drive.py - drive kmsd's serial console through a pty, or its
front panel through the panel socket, from a small script on stdin.

  it_state_drive.py pty PIDFILE ERRFILE -- KMSD ARGS...
      starts KMSD ARGS with its stdin/stdout on a new pty (stderr to
      ERRFILE), writes its pid to PIDFILE, runs the script, and leaves
      kmsd running when the script ends (the pty is closed: the console
      sees the end of its input, kmsd keeps serving).
  it_state_drive.py panel SOCKET
      connects to the panel socket and runs the script.

Script lines (blank lines and '#' comments are skipped):
  say TEXT        console: type TEXT and Enter; panel: send TEXT as is
                  (a button "up", "down", "ok", "back" or "enter TEXT")
  expect TEXT     wait (10 s) until TEXT occurs in the output after the
                  point the last expect matched; for the panel, the output
                  is the display: its lines 1..3 joined with no separator
                  (so a wrapped message reads whole), refreshed per line
  lacks TEXT      TEXT does not occur in the output since the last expect
  menu A B C      panel: the menu holds exactly the items A B C, in this
                  order from the cursor (presses "down" until the cursor
                  comes back; a group shows as "name...")
  select ITEM     panel: press "down" until the cursor is on ITEM
  sleep SECONDS

With PANEL_RAW=FILE in the environment, every byte the panel socket
sent is appended to FILE (a test looks there for what must never show).

Exit 0 when every step passed, 1 (with the output so far) otherwise.
"""
import os
import pty
import select
import socket
import subprocess
import sys
import time

TIMEOUT = 10.0


class Pty:
    def __init__(self, pidfile, errfile, argv):
        self.master, slave = pty.openpty()
        # raw-ish: no echo, so passwords never come back
        import termios
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~(termios.ECHO | termios.ICANON)
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        err = open(errfile, "ab")
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave,
                                     stderr=err, close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        with open(pidfile, "w") as f:
            f.write("%d\n" % self.proc.pid)
        self.out = ""

    def send(self, text):
        os.write(self.master, (text + "\n").encode())

    def pump(self, wait):
        r, _, _ = select.select([self.master], [], [], wait)
        if not r:
            return
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return
        self.out += data.decode(errors="replace")

    def text(self):
        return self.out

    def close(self):
        os.close(self.master)


class Panel:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.time() + TIMEOUT
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.lines = [""] * 4
        self.log = ""
        raw = os.environ.get("PANEL_RAW")
        self.raw = open(raw, "ab") if raw else None

    def send(self, text):
        self.sock.sendall((text + "\n").encode())

    def pump(self, wait):
        r, _, _ = select.select([self.sock], [], [], wait)
        if not r:
            return
        data = self.sock.recv(65536)
        if not data:
            return
        if self.raw:
            self.raw.write(data)
            self.raw.flush()
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            parts = line.decode(errors="replace").split(" ", 2)
            if len(parts) >= 2 and parts[0] == "line":
                n = int(parts[1])
                if 0 <= n < 4:
                    self.lines[n] = parts[2] if len(parts) == 3 else ""
                    # every state of the display, in order
                    self.log += "|" + "".join(self.lines[1:]) + "|" + \
                        self.lines[0] + "\n"

    def text(self):
        return self.log

    def menu(self):
        """The menu's items from the cursor round to it again."""
        self.settle()
        first = self.lines[1]
        if not first.startswith("> "):
            return None
        items = []
        row = first
        for _ in range(100):
            items.append(row[2:])
            self.send("down")
            deadline = time.time() + 1.0
            while self.lines[1] == row and time.time() < deadline:
                self.pump(0.05)
            if self.lines[1] == row:    # one item: nothing moved
                break
            row = self.lines[1]
            if row == first:
                break
        return items

    def settle(self):
        end = time.time() + 0.3
        while time.time() < end:
            self.pump(0.05)

    def select(self, item):
        """Press down until the cursor row is "> item"."""
        self.settle()
        for _ in range(100):
            row = self.lines[1]
            if row == "> " + item:
                return True
            self.send("down")
            deadline = time.time() + 1.0
            while self.lines[1] == row and time.time() < deadline:
                self.pump(0.05)
            if self.lines[1] == row:
                return False
        return False

    def close(self):
        if self.raw:
            self.raw.close()
        self.sock.close()


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "pty" and sys.argv[4] == "--":
        dev = Pty(sys.argv[2], sys.argv[3], sys.argv[5:])
    elif len(sys.argv) == 3 and sys.argv[1] == "panel":
        dev = Panel(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    mark = 0
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        verb, _, arg = line.strip().partition(" ")
        if verb == "say":
            dev.send(arg)
        elif verb == "sleep":
            end = time.time() + float(arg)
            while time.time() < end:
                dev.pump(0.05)
        elif verb == "expect":
            deadline = time.time() + TIMEOUT
            while True:
                i = dev.text().find(arg, mark)
                if i >= 0:
                    mark = i + len(arg)
                    break
                if time.time() > deadline:
                    sys.stderr.write("--- output ---\n%s\n--- no \"%s\"\n"
                                     % (dev.text(), arg))
                    return 1
                dev.pump(0.1)
        elif verb == "menu" and isinstance(dev, Panel):
            got = dev.menu()
            if got != arg.split():
                sys.stderr.write("--- output ---\n%s\n--- menu %s, want "
                                 "%s\n" % (dev.text(), got, arg.split()))
                return 1
            mark = len(dev.text())
        elif verb == "select" and isinstance(dev, Panel):
            if not dev.select(arg):
                sys.stderr.write("--- output ---\n%s\n--- no item %s\n"
                                 % (dev.text(), arg))
                return 1
            mark = len(dev.text())
        elif verb == "lacks":
            dev.pump(0.2)
            if dev.text().find(arg, mark) >= 0:
                sys.stderr.write("--- output ---\n%s\n--- has \"%s\"\n"
                                 % (dev.text(), arg))
                return 1
        else:
            sys.stderr.write("bad script line: %s\n" % line)
            return 2
    dev.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
