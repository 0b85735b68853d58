#!/usr/bin/env python3
"""Golden tests for the fallback-scan CLI.

Each case is a directory under --cases with:
  args          one CLI argument per line (blank and '#' lines ignored)
  cwd           optional: the working directory (a token below); default: the case directory
  setup.sh      optional: run with cwd=@TMP@ first (FIFOs, big or broken files that are not committed)
  stdin         optional: standard input (default: /dev/null)
  expected.out  expected stdout
  expected.err  optional: expected stderr (compared only when the file exists)
  expected.rc   expected exit status (default 0)
Tokens substituted in args and cwd: @SRC@ (repository root), @FIXTURES@ (tests/fixtures),
@CASE@ (the case directory), @TMP@ (a fresh temporary directory per case).

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


def load_validator(schema_path, require):
    if not schema_path:
        return None, None
    try:
        import jsonschema
    except ImportError:
        if require:
            print("FAIL jsonschema module not available (--require-schema)")
            sys.exit(1)
        print("warning: jsonschema not available; reports are not validated")
        return None, None
    with open(schema_path) as f:
        schema = json.load(f)
    cls = getattr(jsonschema, "Draft202012Validator", None) or jsonschema.Draft7Validator
    cls.check_schema(schema)
    full = cls(schema)
    finding = cls({"$ref": "#/$defs/finding", "$defs": schema["$defs"]})
    return full, finding


def normalise(text, tokens):
    text = re.sub(r'"seconds":( ?)[0-9.eE+-]+', r'"seconds":\g<1>0', text)
    text = re.sub(r'"version": "[^"]*"', '"version": "VERSION"', text)
    for value, token in sorted(tokens.items(), key=lambda kv: -len(kv[0])):
        if value:
            text = text.replace(value, token)
    return text


def validate(stdout, validators):
    """Return a list of schema errors for a JSON or JSON Lines report."""
    full, finding = validators
    if not full:
        return []
    errors = []
    try:
        doc = json.loads(stdout)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("schema") == SCHEMA_ID:
        return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in full.iter_errors(doc)]
    for n, line in enumerate(stdout.splitlines(), 1):
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if "rule" in obj and "credential" in obj:
            errors += [f"line {n}: {e.message}" for e in finding.iter_errors(obj)]
        elif obj.get("schema") == SCHEMA_ID:
            doc = dict(obj)
            doc.setdefault("findings", [])
            errors += [f"line {n}: {e.message}" for e in full.iter_errors(doc)]
    return errors


def run_case(case, args, validators):
    name = os.path.basename(case)
    tmp = tempfile.mkdtemp(prefix="fbs-golden-")
    try:
        tokens = {"@SRC@": args.src, "@FIXTURES@": os.path.join(args.src, "tests", "fixtures"),
                  "@CASE@": case, "@TMP@": tmp}

        def subst(s):
            for k, v in tokens.items():
                s = s.replace(k, v)
            return s

        with open(os.path.join(case, "args")) as f:
            argv = [subst(l.rstrip("\n")) for l in f
                    if l.strip() and not l.lstrip().startswith("#")]
        cwd = case
        if os.path.exists(os.path.join(case, "cwd")):
            cwd = subst(open(os.path.join(case, "cwd")).read().strip())
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC",
               "NO_COLOR": "1", "HOME": tmp, "FALLBACK_SCAN_CACHE": args.cache}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        setup = os.path.join(case, "setup.sh")
        if os.path.exists(setup):
            senv = dict(env, SRC=args.src, FIXTURES=tokens["@FIXTURES@"], CASE=case, TMP=tmp)
            subprocess.run(["sh", setup], cwd=tmp, env=senv, check=True)
        stdin_path = os.path.join(case, "stdin")
        with open(stdin_path if os.path.exists(stdin_path) else os.devnull, "rb") as stdin:
            p = subprocess.run([args.bin] + argv, cwd=cwd, env=env, stdin=stdin,
                               capture_output=True, timeout=300)
        rev = {v: k for k, v in tokens.items()}
        out = normalise(p.stdout.decode("utf-8", "replace"), rev)
        err = normalise(p.stderr.decode("utf-8", "replace"), rev)
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
            want = open(path).read() if os.path.exists(path) else ("0\n" if fn == "expected.rc" else "")
            if want != content:
                report += difflib.unified_diff(want.splitlines(True), content.splitlines(True),
                                               fn, "actual")
        for e in validate(p.stdout.decode("utf-8", "replace"), validators):
            report.append(f"schema: {e}\n")
        if p.returncode < 0 or "Sanitizer" in err:
            report.append(f"crashed (status {p.returncode}):\n{err}")
        return not report, "".join(report)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def schema_selftest(directory, validators):
    full, _ = validators
    passed = failed = 0
    for fn in sorted(os.listdir(directory)):
        with open(os.path.join(directory, fn)) as f:
            doc = json.load(f)
        errors = list(full.iter_errors(doc))
        ok = not errors if fn.startswith("valid") else bool(errors)
        print(("ok   " if ok else "FAIL ") + fn + ("" if ok or not errors else f": {errors[0].message}"))
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return failed == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin")
    ap.add_argument("--cases")
    ap.add_argument("--schema")
    ap.add_argument("--require-schema", action="store_true")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--schema-selftest")
    ap.add_argument("case", nargs="*")
    args = ap.parse_args()
    args.src = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    validators = load_validator(args.schema, args.require_schema)
    # One compiled-rules cache for the whole run: the first case compiles, the rest reuse it
    # (and so the cache itself is exercised).
    args.cache = tempfile.mkdtemp(prefix="fbs-golden-cache-")
    if args.schema_selftest:
        sys.exit(0 if schema_selftest(args.schema_selftest, validators) else 1)
    args.bin = os.path.abspath(args.bin)
    names = args.case or sorted(os.listdir(args.cases))
    passed = failed = 0
    for name in names:
        case = os.path.abspath(os.path.join(args.cases, name))
        ok, report = run_case(case, args, validators)
        print(("ok   " if ok else "FAIL ") + name)
        if not ok:
            sys.stdout.write(report)
        passed += ok
        failed += not ok
    shutil.rmtree(args.cache, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
