#!/bin/sh
# Files that used to lose their secrets: UTF-16/UTF-32 text (with and without a byte order mark),
# a text file with a stray NUL, old Mac line ends (lone CR), and tokens inside binary files (an
# ELF executable, a .NET assembly with a UTF-16 string literal and a SQLite database) that only
# their printable runs reveal.
set -e
mkdir -p t
python3 - <<'PY'
src = ('locals {\n'
       '  emergency_access_key = "AKIA5UCDRD6PM6HU2ZX2"\n'
       '  emergency_secret_key = "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"\n'
       '}\n')
env = 'GITHUB_TOKEN=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\n'
open('t/export.reg', 'wb').write(b'\xff\xfe' + src.replace('\n', '\r\n').encode('utf-16-le'))
# columns count characters: the key's column is 27 though '\u00e9' takes two bytes in UTF-8
wide = src.replace('  emergency_access_key', '\u00e9 emergency_access_key')
open('t/profile.ps1', 'wb').write(('# caf\u00e9 \u2603\n' + wide).encode('utf-16-le'))
open('t/be.txt', 'wb').write(b'\xfe\xff' + src.encode('utf-16-be'))
open('t/wide32.txt', 'wb').write(src.encode('utf-32-le'))
open('t/stray_nul.env', 'wb').write((env + 'X=1\n').encode() + b'\n\0\n')
open('t/mac.tf', 'wb').write(src.replace('\n', '\r').encode())
elf = bytearray(b'\x7fELF\x02\x01\x01' + bytes(57))
elf += bytes((i * 37) & 0xff for i in range(600))
elf += b'\0' + env.encode().rstrip(b'\n') + b'\0' + bytes(64)
open('t/tool.bin', 'wb').write(bytes(elf))
# a .NET-style assembly: PE header, the token as a UTF-16LE string literal
pe = bytearray(b'MZ' + bytes(58) + b'\x80\0\0\0' + bytes(64) + b'PE\0\0' + bytes(200))
pe += b'\x20\x01' + env.encode('utf-16-le') + bytes(16)
open('t/App.dll', 'wb').write(bytes(pe))
db = bytearray(b'SQLite format 3\0' + bytes(100))
db += b'\x05\x1f' + src.encode().replace(b'\n', b'\0') + bytes(32)
open('t/cache.sqlite', 'wb').write(bytes(db))
PY
