#!/usr/bin/env python3
"""Checks of the deployment examples (deploy/, docs/fleet.md says what this covers):

- every file parses as YAML (yamllint too, when installed: exit 77 is not used for it);
- the Kubernetes manifests validate against deploy/kubernetes/fields.schema.json, a JSON schema
  of the fields the examples rely on (apiVersion/kind, the Job's parallelism, restartPolicy, the
  container args, the Secret reference of the database URL, the ConfigMap volume);
- the GitHub Actions workflow validates against deploy/github-actions/fields.schema.json (on,
  jobs, needs, a matrix for the workers, steps);
- every `fallback-scan sweep SUB --option` used in them is a subcommand and an option that the
  binary's own help lists, and the plan/worker pair passes the same --config.
Not checked: that a cluster accepts them (no kubeconform in Debian), images, RBAC, runners.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import yaml

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def commands(doc):
    """Every fallback-scan command line in a document: lists of words."""
    out = []

    def walk(x):
        if isinstance(x, dict):
            if isinstance(x.get("args"), list) and x["args"][:1] == ["sweep"]:
                out.append([str(a) for a in x["args"]])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str):
            for m in re.finditer(r"fallback-scan (sweep [^\n|;&)]*)", x):
                out.append(m.group(1).replace('"', "").split())
    walk(doc)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    helptext = subprocess.run([a.bin, "sweep", "--help"], capture_output=True,
                              text=True).stdout
    subs = set(re.findall(r"fallback-scan sweep (\w+)", helptext))
    opts = set(re.findall(r"(--[a-z][a-z-]*)", helptext)) | {"--jobs", "--quiet"}
    kdir = os.path.join(a.root, "deploy", "kubernetes")
    gdir = os.path.join(a.root, "deploy", "github-actions")
    files = sorted(glob.glob(os.path.join(kdir, "*.yaml")) + glob.glob(os.path.join(gdir, "*.yml")))
    check(len(files) >= 5, "deployment examples found (%d files)" % len(files))
    if shutil.which("yamllint"):
        p = subprocess.run(["yamllint", "-d", "{extends: relaxed, rules: {line-length: "
                            "{max: 120}}}"] + files, capture_output=True, text=True)
        check(p.returncode == 0, "yamllint (relaxed) passes%s" % (p.stdout and ": " + p.stdout))
    else:
        print("note yamllint not installed: YAML syntax checked by the parser only")
    kschema = json.load(open(os.path.join(kdir, "fields.schema.json")))
    gschema = json.load(open(os.path.join(gdir, "fields.schema.json")))
    cmds = []
    kinds = []
    for f in files:
        try:
            docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
        except yaml.YAMLError as e:
            check(False, "%s parses: %s" % (f, e))
            continue
        for d in docs:
            if True in d:  # YAML 1.1 reads the workflow's 'on:' as a boolean key
                d["on"] = d.pop(True)
            schema = gschema if f.startswith(gdir) else kschema
            try:
                jsonschema.validate(d, schema)
                check(True, "%s: %s validates" % (os.path.basename(f),
                                                  d.get("kind", "workflow")))
            except jsonschema.ValidationError as e:
                check(False, "%s: %s at %s" % (os.path.basename(f), e.message,
                                               "/".join(map(str, e.absolute_path))))
            kinds.append((d.get("kind"), d.get("metadata", {}).get("name")))
            cmds += [(os.path.basename(f), c) for c in commands(d)]
    check(("Job", "fallback-scan-plan") in kinds and ("Job", "fallback-scan-workers") in kinds,
          "a plan Job and a worker Job")
    check(len(cmds) >= 5, "fallback-scan commands found (%d)" % len(cmds))
    for f, c in cmds:
        sub = c[1] if len(c) > 1 else ""
        bad = [w for w in c if w.startswith("--") and w not in opts]
        check(sub in subs and not bad, "%s: 'fallback-scan %s': known subcommand and options%s"
              % (f, " ".join(c[:2]), bad and " (unknown: %s)" % bad or ""))
    configs = {c[c.index("--config") + 1] for f, c in cmds if "--config" in c and
               c[1] in ("plan", "worker") and f.endswith(".yaml")}
    check(len(configs) == 1, "plan and workers read the same configuration (%s)" % configs)
    print("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
