#!/usr/bin/env python3
"""syslog_check.py - a tiny syslog collector and an RFC 5424 checker for
tests/integration/it_syslog.sh.

  syslog_check.py listen PORTFILE OUTDIR
      binds UDP 127.0.0.1:0, writes the port to PORTFILE, and writes each
      datagram it receives to OUTDIR/NNNNNN.msg until SIGTERM.
  syslog_check.py check OUTDIR HOSTNAME PROCID
      checks every message against the RFC 5424 section 6 grammar (as
      kmsd uses it: NILVALUE structured data, MSG without BOM) and prints
      "SEVERITY MSGID MSG" per message; exit 1 on the first bad one.
"""
import os
import re
import signal
import socket
import sys

PRINTUSASCII = r'[\x21-\x7e]'
# RFC 5424 6.1: SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]
HEADER = re.compile(
    r'<(?P<pri>[0-9]{1,3})>'            # PRI
    r'(?P<ver>[1-9][0-9]{0,2}) '        # VERSION
    r'(?P<ts>-|(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T'
    r'(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<frac>\.[0-9]{1,6})?'
    r'(?P<off>Z|[+-][0-9]{2}:[0-9]{2})) '
    r'(?P<host>-|' + PRINTUSASCII + r'{1,255}) '
    r'(?P<app>-|' + PRINTUSASCII + r'{1,48}) '
    r'(?P<proc>-|' + PRINTUSASCII + r'{1,128}) '
    r'(?P<msgid>-|' + PRINTUSASCII + r'{1,32}) '
    r'(?P<sd>-|(\[[^\]]*\])+)'
    r'( (?P<msg>.*))?$', re.S)


def listen(portfile, outdir):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    os.makedirs(outdir, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(portfile + '.tmp', 'w') as f:
        f.write(f'{s.getsockname()[1]}\n')
    os.rename(portfile + '.tmp', portfile)
    n = 0
    while True:
        data, _ = s.recvfrom(65536)
        n += 1
        with open(os.path.join(outdir, f'{n:06d}.msg'), 'wb') as f:
            f.write(data)


def check(outdir, host, proc):
    names = sorted(x for x in os.listdir(outdir) if x.endswith('.msg'))
    if not names:
        print('syslog_check: no messages', file=sys.stderr)
        return 1
    for name in names:
        raw = open(os.path.join(outdir, name), 'rb').read()
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError:
            print(f'{name}: not UTF-8', file=sys.stderr)
            return 1
        m = HEADER.match(text)
        bad = None
        if not m:
            bad = 'does not match the RFC 5424 HEADER SP SD [SP MSG]'
        elif int(m['pri']) > 191 or (m['pri'] != '0' and
                                     m['pri'].startswith('0')):
            bad = 'PRI out of range'
        elif m['ver'] != '1':
            bad = 'VERSION is not 1'
        elif m['ts'] == '-' or m['off'] != 'Z':
            bad = 'TIMESTAMP not UTC'
        elif m['host'] != host or m['app'] != 'kmsd' or m['proc'] != proc:
            bad = f'HOSTNAME/APP-NAME/PROCID {m["host"]} {m["app"]} ' \
                  f'{m["proc"]}'
        elif int(m['pri']) >> 3 != 3:
            bad = 'facility is not daemon (3)'
        elif m['sd'] != '-':
            bad = 'structured data is not NILVALUE'
        elif not m['msg'] or '\n' in m['msg']:
            bad = 'MSG empty or more than one line'
        elif m['msgid'] != '-' and not m['msg'].startswith(m['msgid'] +
                                                            ':'):
            bad = 'MSGID is not the message prefix'
        if bad:
            print(f'{name}: {bad}: {text!r}', file=sys.stderr)
            return 1
        y, mo, d = (int(x) for x in m['date'].split('-'))
        hh, mi, ss = (int(x) for x in m['time'].split(':'))
        if not (1 <= mo <= 12 and 1 <= d <= 31 and hh < 24 and mi < 60
                and ss < 60):
            print(f'{name}: bad date or time {m["ts"]}', file=sys.stderr)
            return 1
        print(int(m['pri']) & 7, m['msgid'], m['msg'])
    return 0


if sys.argv[1] == 'listen':
    listen(sys.argv[2], sys.argv[3])
else:
    sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4]))
