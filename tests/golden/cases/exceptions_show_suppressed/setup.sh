#!/bin/sh
# Exceptions: an inline allow comment (on the line and on the line above), ignore entries by rule
# and by path, an expired entry (stops suppressing; a notice says so), and one finding that counts.
set -e
mkdir -p repo/fixtures repo/config
cat > repo/.fallbackscanignore <<'IGN'
# Exceptions for this repository: each needs a reason, and may expire.
path:fixtures/                       # fake keys for the parser tests
rule:stripe.* expires=2027-06-30     # Stripe test-mode keys only in this service
path:config/legacy.env expires=2026-01-31  # until the legacy config was retired (it was not)
IGN
cat > repo/fixtures/keys.env <<'ENV'
AWS_ACCESS_KEY_ID=AKIAQ4ZT7XW2NBKM5RPL
ENV
cat > repo/config/app.env <<'ENV'
# fallback-scan:allow rotated on 2026-10-01, kept for the migration test
BREAKGLASS_TOKEN=ghp_R8kZ2mQ7xW4nT9pL3vB6yC1dF5hJ0sA8eG2u
STRIPE_KEY=sk_live_51Hx7Kq2eZvKYlo2C8mN4pQ7rT9wX3yB6zD1fG5hJ8kL0
DB_PASSWORD=Xv8#pQ2!mZ7rT4wK  # fallback-scan:allow: local dev database only -->
ENV
cat > repo/config/legacy.env <<'ENV'
EMERGENCY_AWS_KEY_ID=AKIAZ7MRP2LXW5NBT4KQ
ENV
