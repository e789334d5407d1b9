#!/usr/bin/env python3
# Copied from ../shared/bench/gen_data.py (the team's shared UCR-Suite / UCR-MON comparison cases, SEARCH-CASES.md)
# so the engine bench can regenerate cases c1-c5 at bench time; unchanged below this line.
"""Deterministic random-walk data + noisy query for UCR Suite runs.
usage: gen_data.py N M POS SEED NOISE data.txt query.txt
Data: x[0]=0, x[i]=x[i-1]+N(0,1) (Python's Mersenne Twister, random.Random(SEED).gauss).
Query: x[POS:POS+M] + N(0,NOISE) from a second stream random.Random(SEED+1);
       POS < 0: an independent M-point random walk from random.Random(SEED+1) (no planted match)."""
import random, sys
n, m, pos, seed, noise = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
rng = random.Random(seed)
x, v = [], 0.0
for _ in range(n):
    x.append(v); v += rng.gauss(0.0, 1.0)
with open(sys.argv[6], "w") as f:
    f.write("\n".join("%.6f" % a for a in x)); f.write("\n")
qr = random.Random(seed + 1)
if pos >= 0:
    q = [a + qr.gauss(0.0, noise) for a in x[pos:pos + m]]
else:
    q, v = [], 0.0
    for _ in range(m):
        q.append(v); v += qr.gauss(0.0, 1.0)
with open(sys.argv[7], "w") as f:
    f.write("\n".join("%.6f" % a for a in q)); f.write("\n")
