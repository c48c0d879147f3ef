#!/usr/bin/env python3
"""prom_parse.py - strict reader of the Prometheus text exposition format
0.0.4, an independent checker for kmsd's GET /metrics.

Usage: prom_parse.py FILE  -> prints one "name{sorted labels} value" line
per sample (labels sorted, so the shell can grep them), exit 0; or a
message naming the line and exit 1 when the text breaks the format:
  - every line is "# HELP name text", "# TYPE name type", or a sample
    "name[{label="value",...}] value" (metric and label names by the
    format's grammar, values escaped with \\\\, \\" and \\n only);
  - a family's TYPE comes before its samples, at most once, and a
    family's samples are contiguous;
  - counters (and histogram buckets, sums, counts) are finite and >= 0;
  - a histogram's buckets per label set have ascending le ending in
    +Inf, cumulative counts that never go down, and _count equal to the
    +Inf bucket.
"""
import math
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


def fail(n, msg):
    print(f'prom_parse: line {n}: {msg}', file=sys.stderr)
    sys.exit(1)


def parse_labels(n, s):
    """s is the text between the braces; returns a list of (name, value)."""
    out = []
    i = 0
    while i < len(s):
        m = re.compile(LABEL + '="').match(s, i)
        if not m:
            fail(n, f'bad label at {s[i:]!r}')
        name = m.group(0)[:-2]
        i = m.end()
        val = []
        while True:
            if i >= len(s):
                fail(n, 'unterminated label value')
            c = s[i]
            if c == '\\':
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    fail(n, 'bad escape in a label value')
                val.append({'\\': '\\', '"': '"', 'n': '\n'}[s[i + 1]])
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == '\n':
                fail(n, 'newline in a label value')
            else:
                val.append(c)
                i += 1
        if name in (x[0] for x in out):
            fail(n, f'label {name} twice')
        out.append((name, ''.join(val)))
        if i < len(s):
            if s[i] != ',':
                fail(n, f'expected , at {s[i:]!r}')
            i += 1
    return out


def value(n, v):
    if v in ('+Inf', '-Inf', 'NaN'):
        return float(v.replace('Inf', 'inf').replace('NaN', 'nan'))
    if not re.fullmatch(r'[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?', v):
        fail(n, f'bad value {v!r}')
    return float(v)


def family_of(name, types):
    for suf in ('_bucket', '_sum', '_count'):
        if name.endswith(suf) and types.get(name[:-len(suf)]) == 'histogram':
            return name[:-len(suf)]
    return name


def main():
    text = open(sys.argv[1], encoding='utf-8').read()
    if text and not text.endswith('\n'):
        fail(0, 'the text does not end with a newline')
    types, helps, done = {}, set(), set()
    current = None
    hist = {}
    samples = []
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('#'):
            m = re.fullmatch(r'# (HELP|TYPE) (' + NAME + r') (.*)', line)
            if not m:
                if line.startswith('# HELP') or line.startswith('# TYPE'):
                    fail(n, 'malformed HELP/TYPE')
                continue
            kind, name, rest = m.groups()
            if kind == 'TYPE':
                if rest not in TYPES:
                    fail(n, f'unknown type {rest}')
                if name in types:
                    fail(n, f'TYPE of {name} twice')
                if name in done or name == current:
                    fail(n, f'TYPE of {name} after its samples')
                types[name] = rest
            else:
                if name in helps:
                    fail(n, f'HELP of {name} twice')
                helps.add(name)
            continue
        if line == '':
            fail(n, 'empty line')
        m = re.fullmatch('(' + NAME + r')(\{(.*)\})? (\S+)( -?\d+)?', line)
        if not m:
            fail(n, f'not a sample: {line!r}')
        name, _, lab, val, _ = m.groups()
        labels = parse_labels(n, lab) if lab else []
        v = value(n, val)
        fam = family_of(name, types)
        if fam != current:
            if fam in done:
                fail(n, f'samples of {fam} are not contiguous')
            if current is not None:
                done.add(current)
            current = fam
        t = types.get(fam, 'untyped')
        if t in ('counter', 'histogram') and (math.isnan(v) or v < 0 or
                                              math.isinf(v)):
            fail(n, f'{name}: {t} value {val} not finite and >= 0')
        if t == 'counter' and not name.endswith('_total'):
            fail(n, f'counter {name} does not end in _total')
        if t == 'histogram':
            key = tuple(sorted((k, x) for k, x in labels if k != 'le'))
            h = hist.setdefault((fam, key), {'b': [], 'count': None})
            if name.endswith('_bucket'):
                le = dict(labels).get('le')
                if le is None:
                    fail(n, 'bucket without le')
                h['b'].append((value(n, le), v))
            elif name.endswith('_count'):
                h['count'] = v
        samples.append((name, sorted(labels), val))
    for (fam, key), h in hist.items():
        b = h['b']
        if not b or not math.isinf(b[-1][0]):
            fail(0, f'{fam}{key}: no +Inf bucket last')
        for (l1, c1), (l2, c2) in zip(b, b[1:]):
            if not l1 < l2:
                fail(0, f'{fam}{key}: le not ascending')
            if c2 < c1:
                fail(0, f'{fam}{key}: buckets not cumulative')
        if h['count'] != b[-1][1]:
            fail(0, f'{fam}{key}: _count {h["count"]} != +Inf {b[-1][1]}')
    for name, labels, val in samples:
        lab = ','.join(f'{k}="{x}"' for k, x in labels)
        print(f'{name}{{{lab}}} {val}')


main()
