#!/bin/sh
# Baseline round trip: scan and write a baseline; insert lines above the known secret (its
# fingerprint must not change) and add a new secret; the case then scans with --baseline:
# exactly one new finding, one unchanged, one absent (a secret deleted since).
set -e
mkdir -p repo
printf 'STRIPE_KEY=sk_live_51Hx7Kq2eZvKYlo2C8mN4pQ7rT9wX3yB6zD1fG5hJ8kL0\n' > repo/app.env
printf 'OLD_TOKEN=ghp_R8kZ2mQ7xW4nT9pL3vB6yC1dF5hJ0sA8eG2u\n' > repo/old.env
"$BIN" files --quiet --now=2026-11-23T00:00:00Z --fail-on none --format json \
    --write-baseline base.json -o /dev/null repo
rm repo/old.env
printf '# payments service\n# (settings moved here)\n\n' | cat - repo/app.env > repo/app.env.new
mv repo/app.env.new repo/app.env
printf 'AWS_ACCESS_KEY_ID=AKIAQ4ZT7XW2NBKM5RPL\n' > repo/new.env
