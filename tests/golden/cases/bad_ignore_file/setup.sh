#!/bin/sh
# A malformed ignore file is a configuration error naming the file and line (exit 2).
set -e
mkdir -p repo
printf '# ok\nrule:generic.password  # noisy\nsecrets/\n' > repo/.fallbackscanignore
printf 'token=x\n' > repo/a.txt
