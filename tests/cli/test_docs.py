#!/usr/bin/env python3
"""The man page and the shell completions against --help, and `cmake --install`.

  test_docs.py --bin build/fallback-scan --build-dir build --src .

  - every command listed by `fallback-scan --help` has a section in the man page, and every
    option its `--help` lists appears in that section;
  - the man page built into --build-dir is the one the binary generates now, and renders without
    a groff warning; docs/cli.md is the one it generates (`help --markdown`);
  - the bash completion parses, and completes commands, every option of every command, option
    values and cloud providers; the zsh completion parses (when zsh is installed);
  - `cmake --install` (DESTDIR) puts the binary, the man page and both completions where man,
    bash-completion and Debian's zsh look for them.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

OPTION = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=120, **kw)


def commands(binary):
    out = run([binary, "--help"]).stdout
    names = []
    in_list = False
    for line in out.splitlines():
        if line == "commands:":
            in_list = True
        elif in_list and line.startswith("  "):
            names.append(line.split()[0])
        elif in_list:
            break
    return [n for n in names if n not in ("version", "help")]


def help_options(binary, cmd):
    """The options a command's --help lists (in its option lines, not its prose)."""
    opts = set()
    for line in run([binary, cmd, "--help"]).stdout.splitlines():
        if re.match(r"^ {2}-\w|^ {6}--\w", line):
            flags = re.split(r"\s{2,}", line.strip())[0]
            opts.update(OPTION.findall(flags))
    return opts


def man_plain(troff):
    """Raw troff to searchable text: escapes resolved, font changes dropped."""
    text = troff.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    return re.sub(r"\\f[BIRP]", "", text)


def bash_complete(script, words):
    """COMPREPLY for the command line `words` (the last one being completed)."""
    prog = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); ' \
           '_fallback_scan; printf "%s\\n" "${COMPREPLY[@]}"'
    p = run(["bash", "-c", prog, "bash", script] + words)
    return set(p.stdout.split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    man_path = os.path.join(args.build_dir, "fallback-scan.1")
    bash_path = os.path.join(args.build_dir, "fallback-scan.bash")
    zsh_path = os.path.join(args.build_dir, "_fallback-scan")
    with open(man_path) as f:
        man = f.read()
    check(man == run([args.bin, "help", "--man"]).stdout,
          "the built man page is the one the binary generates")
    with open(os.path.join(args.src, "docs", "cli.md")) as f:
        check(f.read() == run([args.bin, "help", "--markdown"]).stdout,
              "docs/cli.md is what 'fallback-scan help --markdown' prints (regenerate it with "
              "build/fallback-scan help --markdown > docs/cli.md)")
    plain = man_plain(man)
    sections = re.split(r'^\.SH "FALLBACK-SCAN ([a-z-]+)"$', plain, flags=re.M)
    by_cmd = dict(zip(sections[1::2], sections[2::2]))
    cmds = commands(args.bin)
    check(len(cmds) >= 7, "the command list: %s" % " ".join(cmds))
    for cmd in cmds:
        opts = help_options(args.bin, cmd)
        section = by_cmd.get(cmd)
        check(section is not None, "man page: a section for '%s'" % cmd)
        if section is None:
            continue
        missing = sorted(o for o in opts if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o),
                                                          section))
        check(opts and not missing,
              "man page: the %d options of '%s --help' are in its section%s"
              % (len(opts), cmd, " (missing: %s)" % " ".join(missing) if missing else ""))
        comp = bash_complete(bash_path, ["fallback-scan", cmd, "-"])
        missing = sorted(o for o in opts if o not in comp)
        check(not missing, "bash: completes the options of '%s'%s"
              % (cmd, " (missing: %s)" % " ".join(missing) if missing else ""))
    if shutil.which("groff"):
        p = run(["groff", "-man", "-Tutf8", "-ww", "-z", man_path])
        check(p.returncode == 0 and not p.stderr.strip(),
              "groff renders the man page without warnings %r" % p.stderr[:300])

    check(run(["bash", "-n", bash_path]).returncode == 0, "bash: the completion parses")
    check("scan" in bash_complete(bash_path, ["fallback-scan", "sc"]), "bash: 'sc' -> scan")
    check(bash_complete(bash_path, ["fallback-scan", "scan", "--for"]) == {"--format"},
          "bash: 'scan --for' -> --format")
    check(bash_complete(bash_path, ["fallback-scan", "git", "--format", "s"]) == {"sarif"},
          "bash: 'git --format s' -> sarif")
    check(bash_complete(bash_path, ["fallback-scan", "cloud", ""]) ==
          {"aws", "gcp", "azure", "kubernetes", "vault"}, "bash: 'cloud ' -> the providers")
    check({"scan", "cloud"} <= bash_complete(bash_path, ["fallback-scan", "help", ""]),
          "bash: 'help ' -> the commands")
    if shutil.which("zsh"):
        check(run(["zsh", "-n", zsh_path]).returncode == 0, "zsh: the completion parses")
    else:
        print("skip zsh: not installed (the zsh completion is not parsed)")

    with tempfile.TemporaryDirectory() as dest:
        p = run(["cmake", "--install", args.build_dir, "--prefix", "/usr"],
                env=dict(os.environ, DESTDIR=dest))
        check(p.returncode == 0, "cmake --install succeeds %s" % p.stderr[-300:])
        for path in ["usr/bin/fallback-scan", "usr/share/man/man1/fallback-scan.1",
                     "usr/share/bash-completion/completions/fallback-scan",
                     "usr/share/zsh/vendor-completions/_fallback-scan",
                     "usr/share/doc/fallback-scan/README.md",
                     "usr/share/doc/fallback-scan/architecture.md"]:
            check(os.path.isfile(os.path.join(dest, path)), "installed: /" + path)

    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
