#!/usr/bin/env bash
# Disaster recovery: restore the payments database from the latest snapshot into the DR region.
set -euo pipefail
export PGHOST=payments-dr.us-west-2.larkspur.internal
export PGUSER=dr_restore
export PGPASSWORD='VSBv_1xjanw189v9+8?u'
pg_restore --clean --if-exists -d payments /restore/latest.dump
