#!/bin/sh
# Inputs that must not be committed or cannot be: each must be a counted, reported skip or a
# finding, never a crash or a hang.
set -e
python3 - <<'PY'
import os
# 0-byte file
open('empty.txt', 'w').close()
# a file with a 1 MiB line, a secret at its end
open('long-line.txt', 'w').write('x=' + 'a1b2' * 262144 + ' aws_key=AKIAZ4KQ7MRP2LXW5NBT\n')
# invalid UTF-8 around a secret
open('latin1.conf', 'wb').write(b'caf\xe9=\xff\xfe\n# clave de emergencia\naccess_key = AKIAQ7XW2NBT5ZK4MRPL\n\xc3\x28\n')
PY
# a 30 MiB file (sparse: cheap), over the 25 MiB default limit
truncate -s 30M big.log
# a symbolic link loop and a dangling link
mkdir -p sub
ln -s .. sub/loop
ln -s /nonexistent/target dangling
# a FIFO: must be skipped, not opened (opening would block)
mkfifo pipe
