#!/usr/bin/env python3
"""fake_kms.py - a tiny HTTP/1.1 stand-in for kmsd, to test kms-client.

Serves tests/schema/examples/init-response.xml for POST .../init and
error-response.xml (404) for any other POST path, 405 for other methods.
--mode selects a broken answer, so that kms-client's checks can be seen
to fail.  Runs the client command given after "--", with "{url}" replaced
by the server's base URL, and exits 0 iff the client exits with
--expect-rc (default 0).
"""
import argparse
import http.server
import subprocess
import sys
import threading

INIT = "/keymanagement/identity/v1/init"

# A PubEncKey of the right length that is on the curve but has order 2:
# (0, 0) satisfies y^2 = x^3 - 3x.
ORDER2 = "04" + "00" * 256


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", required=True)
    ap.add_argument("--mode", default="good",
                    choices=["good", "order2", "flip", "ctype", "close",
                             "status"])
    ap.add_argument("--expect-rc", type=int, default=0,
                    help="exit 0 iff the client exits with this status")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    init = open(a.examples + "/init-response.xml", "rb").read()
    err = open(a.examples + "/error-response.xml", "rb").read()
    if a.mode == "order2":
        s = init.decode()
        i = s.index("<PubEncKey>") + len("<PubEncKey>")
        j = s.index("</PubEncKey>")
        init = (s[:i] + ORDER2 + s[j:]).encode()
    elif a.mode == "flip":
        init = init.replace(b"F4</PubAuthKey>", b"F5</PubAuthKey>")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, code, body, ctype="application/xml; charset=UTF-8"):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if a.mode == "close":
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            if n:
                self.rfile.read(n)
            if self.path == INIT:
                if a.mode == "ctype":
                    self.answer(200, init, "text/plain")
                elif a.mode == "status":
                    self.answer(201, init)
                else:
                    self.answer(200, init)
            else:
                self.answer(404, err)

        def do_GET(self):
            self.answer(405, err)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    url = "http://127.0.0.1:%d" % srv.server_address[1]
    cmd = [c.replace("{url}", url) for c in a.cmd if c != "--"]
    rc = subprocess.call(cmd)
    srv.shutdown()
    if rc != a.expect_rc:
        print("fake_kms: client exited %d, want %d" % (rc, a.expect_rc),
              file=sys.stderr)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
