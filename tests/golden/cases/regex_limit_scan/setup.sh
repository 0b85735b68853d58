#!/bin/sh
# A file where a backtracking rule hits PCRE2's match limit on a long near miss (line 1): the
# limit is a diagnostic naming rule, file and limit (the scan is incomplete), and the match on
# the next line is still found.
set -e
mkdir -p t
python3 -c "open('t/notes.txt', 'w').write('recovery: ' + 'alpha beta gamma ' * 6000 + '\x01\nrecovery: delta epsilon zeta!\n')"
