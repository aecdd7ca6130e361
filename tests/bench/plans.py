#!/usr/bin/env python3
"""Sort auto_explain's NOTICEs from casework_explain.sql into a report.

Reads psql's output (stdout and stderr together) on stdin. For each
"#### NAME" section it prints every statement that has query text (the
PL/pgSQL statements of the api function and its helpers) with its plan, then
the bodies of SQL functions (which auto_explain shows without query text).
Statements with the same text and plan shape are shown once, with how many
times they ran and how long they took together: one that runs once per row
of the page is a per-row function call.

usage: plans.py [--full] < explain.out
  --full  print every plan whole; by default the cost estimates are left
          out and a group of identical bodies is shown once.
"""
import re
import sys

NOTICE = re.compile(r'^(?:psql:[^:]*:\d+: )?NOTICE:  (.*)$')
COST = re.compile(r'  \(cost=[^)]*\)')
NUMBERS = re.compile(r'\d+(\.\d+)?')


def parse(lines):
    sections = []          # [name, [(ms, text, [plan lines])]]
    cur = None
    stmt = None
    for line in lines:
        line = line.rstrip('\n')
        m = NOTICE.match(line)
        if m:
            body = m.group(1)
            if body.startswith('#### '):
                cur = [body[5:], []]
                sections.append(cur)
                stmt = None
                continue
            d = re.match(r'duration: ([0-9.]+) ms  plan:', body)
            if d and cur is not None:
                stmt = [float(d.group(1)), None, []]
                cur[1].append(stmt)
            else:
                stmt = None
            continue
        if stmt is None:
            continue
        if line.startswith('Query Text:') and stmt[1] is None:
            stmt[1] = line[len('Query Text:'):].strip()
            continue
        if stmt[1] is not None and not stmt[2] and '  (cost=' not in line:
            # the rest of a query text that spans lines (the plan's first
            # line is its top node, with its cost estimate)
            stmt[1] += ' ' + line.strip()
            continue
        stmt[2].append(line)
    return sections


def shape(plan):
    return '\n'.join(NUMBERS.sub('N', COST.sub('', l)) for l in plan)


def main():
    full = '--full' in sys.argv[1:]
    sections = parse(sys.stdin)
    for name, stmts in sections:
        print('==== %s: %d statements executed' % (name, len(stmts)))
        groups = {}
        order = []
        for ms, text, plan in stmts:
            key = (text or '', shape(plan))
            if key not in groups:
                groups[key] = [0, 0.0, plan]
                order.append(key)
            groups[key][0] += 1
            groups[key][1] += ms
        for key in order:
            n, total, plan = groups[key]
            text = re.sub(r'\s+', ' ', key[0])
            if len(text) > 240 and not full:
                text = text[:240] + ' ...'
            what = text if text else '(body of an SQL function)'
            if n == 1:
                print('-- %s  [%.3f ms]' % (what, total))
            else:
                print('-- %s  [ran %d times, %.3f ms in all]' % (what, n,
                                                                total))
            for l in plan:
                print('   ' + (l if full else COST.sub('', l)))
        print('(times of nested statements are counted in their callers '
              'too)')
        print()


if __name__ == '__main__':
    try:
        main()
    except BrokenPipeError:
        pass
