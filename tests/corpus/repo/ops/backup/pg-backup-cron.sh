#!/bin/sh
# m h dom mon dow - runs daily at 03:00 (backup_schedule: daily)
export PGPASSWORD=xOQs8aROsnsGW5_^KZkg
pg_dump -h payments-db.prod.larkspur.internal -U backup_ro payments | gzip > /backups/payments-$(date +%F).sql.gz
find /backups -mtime +35 -delete
