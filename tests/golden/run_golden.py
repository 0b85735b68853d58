#!/usr/bin/env python3
"""Golden tests for the fallback-scan CLI.

Each case is a directory under --cases with:
  args          one CLI argument per line (blank and '#' lines ignored)
  cwd           optional: the working directory (a token below); default: the case directory
  setup.sh      optional: run with cwd=@TMP@ first (FIFOs, big or broken files that are not committed;
                $BIN is the binary under test, e.g. to write a baseline)
  stdin         optional: standard input (default: /dev/null)
  expected.out  expected stdout
  expected.err  optional: expected stderr (compared only when the file exists)
  expected.rc   expected exit status (default 0)
Tokens substituted in args and cwd: @SRC@ (repository root), @FIXTURES@ (tests/fixtures),
@CASE@ (the case directory), @TMP@ (a fresh temporary directory per case).

File dates: a plain file's modification time is age evidence (weak) in reports, and a fresh
clone's files are as old as the clone. So before the cases run, every file under tests/fixtures,
demo/ and the case directories gets its modification time pinned to PINNED_MTIME, and so does
every file a case's setup.sh creates in @TMP@; with --now pinned, ages in the reports are
reproducible.

--hostile-env runs the same cases in an environment that must not change any output: every file
of the source tree's tests/ and demo/ is first touched into the far future (a clone made years
from now; the trees above are then pinned as usual, and every date is restored at the end), the
binary runs under faketime at HOSTILE_CLOCK (when faketime is installed; without it
that part is skipped with a warning, unless --require-faketime) with TZ=HOSTILE_TZ, a UTF-8
locale and another user's HOME. CI runs the suite both ways.

Normalisations (applied to actual stdout/stderr; the two regex ones also to the expected
files, so that files written before a normalisation existed still compare equal):
  1. JSON  "seconds": <number>        -> "seconds": 0          (also compact "seconds":<n>)
  2. JSON  "version": "<anything>"    -> "version": "VERSION"  (also compact "version":"..."; any
                                          "version" key, not only the one inside "tool")
  3. text  seconds: <number>          -> seconds: 0
  4. text  in <number>s               -> in 0s                 (e.g. "scanned ... in 0.123s")
  5. the absolute paths of @TMP@, @CASE@, @FIXTURES@ and @SRC@ (and their realpaths) -> the token
     text, longest path first (actual output only)
JSON reports (schema fallback-scan/report/v1) are validated against --schema; JSON Lines output
has each finding line validated against $defs/finding and its last (non-finding) line against
the whole schema with "findings": []. Without the jsonschema module validation is skipped with a
warning, unless --require-schema (then it is a failure). --update rewrites expected.out,
expected.rc and (only if it exists) expected.err from the actual run.

Output: "ok   <case>" or "FAIL <case>" (plus a unified diff) per case, then "N passed, N failed";
exit status 1 if any case failed.

  run_golden.py --bin build/fallback-scan --cases tests/golden/cases \
                --schema docs/report-v1.schema.json [--require-schema] [--update] [CASE...]
  run_golden.py --schema-selftest tests/golden/schema_selftest [--schema ...] [--require-schema]
      valid_*.json must validate, invalid_*.json must not (findings of the valid ones are also
      checked against $defs/finding on their own, as JSON Lines output is).
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SCHEMA_ID = "fallback-scan/report/v1"
TIMEOUT = 300  # seconds per case (ASan builds are slow)
PINNED_MTIME = 1768435200  # 2026-01-15T00:00:00Z
HOSTILE_MTIME = 2240524800  # 2040-12-31T00:00:00Z
HOSTILE_CLOCK = "2041-06-30 12:00:00"
HOSTILE_TZ = "Pacific/Kiritimati"  # UTC+14: local dates differ from UTC ones most of the day


def pin_mtimes(root, when=PINNED_MTIME):
    """Set the modification time of every file and directory under root to when."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames + dirnames:
            try:
                os.utime(os.path.join(dirpath, name), (when, when), follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass


def save_mtimes(roots):
    """{path: (atime, mtime)} for every file and directory under roots (not .git)."""
    saved = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for name in filenames + dirnames:
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                saved[path] = (st.st_atime_ns, st.st_mtime_ns)
    return saved


def restore_mtimes(saved):
    for path, ns in saved.items():
        try:
            os.utime(path, ns=ns, follow_symlinks=False)
        except (OSError, NotImplementedError):
            pass


def load_validator(schema_path, require):
    """(full-report validator, finding validator), or (None, None) when validation is skipped."""
    try:
        import jsonschema
    except ImportError:
        if require:
            print("FAIL jsonschema module not available (--require-schema); "
                  "install python3-jsonschema")
            sys.exit(1)
        print("warning: jsonschema module not available; reports are not validated")
        return None, None
    with open(schema_path) as f:
        schema = json.load(f)
    # 2020-12 where the module has it (jsonschema >= 4.0); the schema keeps to keywords that mean
    # the same under draft-07 ($defs reached by "#/$defs/..." JSON pointers), so Draft7 also works.
    cls = getattr(jsonschema, "Draft202012Validator", None) or jsonschema.Draft7Validator
    cls.check_schema(schema)
    full = cls(schema)
    sub = {"$ref": "#/$defs/finding", "$defs": schema["$defs"]}
    if "$schema" in schema:
        sub["$schema"] = schema["$schema"]
    finding = cls(sub)
    return full, finding


def normalise_volatile(text):
    """Normalisations 1-4 of the module docstring (idempotent)."""
    text = re.sub(r'"seconds":(\s*)-?[0-9][0-9.eE+-]*', r'"seconds":\g<1>0', text)
    text = re.sub(r'"version":(\s*)"(?:[^"\\]|\\.)*"', r'"version":\g<1>"VERSION"', text)
    text = re.sub(r'\bseconds: [0-9]+(?:\.[0-9]+)?\b', 'seconds: 0', text)
    text = re.sub(r'\bin [0-9]+(?:\.[0-9]+)?s\b', 'in 0s', text)
    return text


def normalise(text, paths):
    """All normalisations; paths maps absolute path -> token."""
    text = normalise_volatile(text)
    for value, token in sorted(paths.items(), key=lambda kv: -len(kv[0])):
        if value:
            text = text.replace(value, token)
    return text


def validate(stdout, validators):
    """Return a list of schema errors for a JSON or JSON Lines report (else [])."""
    full, finding = validators
    if not full:
        return []
    errors = []
    try:
        doc = json.loads(stdout)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("schema") == SCHEMA_ID:
        return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in full.iter_errors(doc)]
    for n, line in enumerate(stdout.splitlines(), 1):
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if obj.get("schema") == SCHEMA_ID:
            doc = dict(obj)
            doc.setdefault("findings", [])
            errors += [f"line {n}: /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                       for e in full.iter_errors(doc)]
        elif "rule" in obj and "credential" in obj:
            errors += [f"line {n}: /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                       for e in finding.iter_errors(obj)]
    return errors


def read_args(case, subst):
    with open(os.path.join(case, "args")) as f:
        return [subst(l.rstrip("\n")) for l in f if l.strip() and not l.lstrip().startswith("#")]


def run_case(case, args, validators):
    """(ok, report text) for one case directory."""
    if not os.path.isdir(case):
        return False, f"no such case directory: {case}\n"
    tmp = tempfile.mkdtemp(prefix="fbs-golden-")
    try:
        tokens = {"@SRC@": args.src, "@FIXTURES@": os.path.join(args.src, "tests", "fixtures"),
                  "@CASE@": case, "@TMP@": tmp}

        def subst(s):
            for k, v in tokens.items():
                s = s.replace(k, v)
            return s

        try:
            argv = read_args(case, subst)
        except OSError as e:
            return False, f"cannot read args: {e}\n"
        cwd = case
        if os.path.exists(os.path.join(case, "cwd")):
            with open(os.path.join(case, "cwd")) as f:
                cwd = subst(f.read().strip())
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC",
               "NO_COLOR": "1", "HOME": tmp, "FALLBACK_SCAN_CACHE": args.cache}
        if args.hostile_env:
            env.update({"TZ": HOSTILE_TZ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
                        "USER": "nobody-else", "LOGNAME": "nobody-else",
                        # libfaketime shifts stat() times too unless told not to: the files'
                        # real dates are what is tested; the clock alone is faked.
                        "NO_FAKE_STAT": "1", "DONT_FAKE_MONOTONIC": "1"})
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        if args.prefix:
            # faketime preloads its library ahead of the ASan runtime, which ASan accepts only
            # when told to (everything else is still checked).
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
        setup = os.path.join(case, "setup.sh")
        if os.path.exists(setup):
            senv = dict(env, SRC=args.src, FIXTURES=tokens["@FIXTURES@"], CASE=case, TMP=tmp,
                        BIN=args.bin)
            try:
                s = subprocess.run(["sh", setup], cwd=tmp, env=senv, capture_output=True,
                                   timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                return False, f"setup.sh timed out after {TIMEOUT} s\n"
            if s.returncode != 0:
                return False, (f"setup.sh failed (status {s.returncode}):\n"
                               + s.stdout.decode("utf-8", "replace")
                               + s.stderr.decode("utf-8", "replace"))
            pin_mtimes(tmp)
        stdin_path = os.path.join(case, "stdin")
        try:
            with open(stdin_path if os.path.exists(stdin_path) else os.devnull, "rb") as stdin:
                p = subprocess.run(args.prefix + [args.bin] + argv, cwd=cwd, env=env, stdin=stdin,
                                   capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return False, f"timed out after {TIMEOUT} s: {args.bin} {' '.join(argv)}\n"
        except OSError as e:
            return False, f"cannot run {args.bin} (cwd {cwd}): {e}\n"
        paths = {}
        for token, value in tokens.items():
            paths[value] = token
            paths.setdefault(os.path.realpath(value), token)
        stdout = p.stdout.decode("utf-8", "replace")
        out = normalise(stdout, paths)
        err = normalise(p.stderr.decode("utf-8", "replace"), paths)
        files = {"expected.out": out, "expected.rc": f"{p.returncode}\n"}
        if os.path.exists(os.path.join(case, "expected.err")):
            files["expected.err"] = err
        if args.update:
            for fn, content in files.items():
                with open(os.path.join(case, fn), "w") as f:
                    f.write(content)
            return True, ""
        report = []
        for fn, content in files.items():
            path = os.path.join(case, fn)
            if os.path.exists(path):
                with open(path) as f:
                    want = normalise_volatile(f.read())
            else:
                want = "0\n" if fn == "expected.rc" else ""
            if want != content:
                for line in difflib.unified_diff(want.splitlines(True),
                                                 content.splitlines(True), fn, "actual"):
                    report.append(line if line.endswith("\n")
                                  else line + "\n\\ No newline at end of file\n")
        for e in validate(stdout, validators):
            report.append(f"schema: {e}\n")
        if p.returncode < 0 or "Sanitizer" in err:
            report.append(f"crashed (status {p.returncode}):\n{err}")
        return not report, "".join(report)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def schema_selftest(directory, validators):
    """valid_*.json must validate, invalid_*.json must not; True when all behave."""
    full, finding = validators
    if not full:
        return True  # warned already; --require-schema exits before this
    passed = failed = 0
    names = sorted(fn for fn in os.listdir(directory)
                   if fn.endswith(".json") and fn.startswith(("valid", "invalid")))
    if not any(fn.startswith("valid") for fn in names) or \
            not any(fn.startswith("invalid") for fn in names):
        print(f"FAIL {directory}: needs at least one valid_*.json and one invalid_*.json")
        return False
    for fn in names:
        try:
            with open(os.path.join(directory, fn)) as f:
                doc = json.load(f)
        except ValueError as e:
            print(f"FAIL {fn}: not JSON: {e}")
            failed += 1
            continue
        errors = list(full.iter_errors(doc))
        if fn.startswith("valid") and not errors and isinstance(doc, dict):
            # The JSON Lines path: each finding alone against $defs/finding.
            for item in doc.get("findings") or []:
                errors += list(finding.iter_errors(item))
        ok = not errors if fn.startswith("valid") else bool(errors)
        detail = ""
        if fn.startswith("valid") and errors:
            e = errors[0]
            detail = f": /{'/'.join(map(str, e.absolute_path))}: {e.message}"
        elif fn.startswith("invalid") and not errors:
            detail = ": validated, but must not"
        print(("ok   " if ok else "FAIL ") + fn + detail)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return failed == 0


def main():
    src = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap = argparse.ArgumentParser(description="Golden tests for the fallback-scan CLI.")
    ap.add_argument("--bin", help="the fallback-scan executable")
    ap.add_argument("--cases", default=os.path.join(src, "tests", "golden", "cases"),
                    help="directory of case directories (default: %(default)s)")
    ap.add_argument("--schema", default=os.path.join(src, "docs", "report-v1.schema.json"),
                    help="report JSON Schema (default: %(default)s)")
    ap.add_argument("--no-schema", action="store_true", help="do not validate reports")
    ap.add_argument("--require-schema", action="store_true",
                    help="a missing jsonschema module is a failure, not a warning")
    ap.add_argument("--update", action="store_true",
                    help="rewrite expected.out/.rc (and .err where present) from the actual run")
    ap.add_argument("--schema-selftest", metavar="DIR",
                    help="check valid_*.json validate and invalid_*.json do not, then exit")
    ap.add_argument("--hostile-env", action="store_true",
                    help="files touched into the future, a far-future clock (faketime), "
                         f"TZ={HOSTILE_TZ}, another locale and user: outputs must not change")
    ap.add_argument("--require-faketime", action="store_true",
                    help="with --hostile-env, a missing faketime is a failure")
    ap.add_argument("case", nargs="*", help="case names (default: all)")
    args = ap.parse_args()
    args.src = src
    if args.schema_selftest:
        validators = load_validator(args.schema, args.require_schema)
        sys.exit(0 if schema_selftest(args.schema_selftest, validators) else 1)
    if not args.bin:
        ap.error("--bin is required (unless --schema-selftest)")
    validators = (None, None) if args.no_schema else load_validator(args.schema,
                                                                     args.require_schema)
    args.bin = os.path.abspath(args.bin)
    # One compiled-rules cache for the whole run: the first case compiles, the rest reuse it
    # (and so the cache itself is exercised).
    args.cache = tempfile.mkdtemp(prefix="fbs-golden-cache-")
    args.prefix = []
    saved = {}
    if args.hostile_env:
        if args.update:
            ap.error("--update and --hostile-env do not go together")
        trees = (os.path.join(src, "tests"), os.path.join(src, "demo"))
        saved = save_mtimes(trees)
        for tree in trees:
            pin_mtimes(tree, HOSTILE_MTIME)
        faketime = shutil.which("faketime")
        if faketime:
            args.prefix = [faketime, "-f", "@" + HOSTILE_CLOCK]
        elif args.require_faketime:
            print("FAIL faketime not available (--require-faketime); install faketime")
            sys.exit(1)
        else:
            print("warning: faketime not available; the far-future clock is not tested")
    for tree in (os.path.join(src, "tests", "fixtures"), os.path.join(src, "demo"), args.cases):
        pin_mtimes(tree)
    try:
        names = args.case or sorted(n for n in os.listdir(args.cases)
                                    if os.path.isdir(os.path.join(args.cases, n)))
        passed = failed = 0
        for name in names:
            case = os.path.abspath(os.path.join(args.cases, name))
            ok, report = run_case(case, args, validators)
            print(("ok   " if ok else "FAIL ") + name, flush=True)
            if not ok:
                sys.stdout.write(report)
            passed += ok
            failed += not ok
    finally:
        shutil.rmtree(args.cache, ignore_errors=True)
        restore_mtimes(saved)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
