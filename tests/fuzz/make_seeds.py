#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/corpus/ from the repository's own inputs: rule examples
(text and hex), the built-in rule, policy and vocabulary files, inventory test inputs and a few
hand-made hostile inputs. Deterministic: rerun it after adding rules or parsers, then commit.

  tests/fuzz/make_seeds.py
"""
import glob
import hashlib
import os
import struct
import zlib

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX = 64 * 1024

# fuzz_detectors.c: first byte b picks parse detector b % N, kind (b / N) % kinds (registry
# order; keep in step with detectors/registry.c).
PARSERS = [
    ("pem", ["private_key", "private_key_encrypted", "certificate"]),
    ("openssh", ["private_key", "private_key_encrypted"]),
    ("pkcs12", ["pkcs12"]),
    ("der_key", ["private_key_der"]),
    ("kubeconfig", ["kubeconfig_client_key", "kubernetes_token"]),
    ("gcp_service_account", ["gcp_service_account_key"]),
    ("jwt", ["jwt", "kubernetes_token"]),
    ("aws", ["aws_access_key_id", "aws_access_key", "aws_root_access_key"]),
    ("vault", ["vault_unseal_key", "vault_recovery_key", "vault_root_token", "vault_token"]),
    ("mfa", ["mfa_recovery_codes", "totp_seed"]),
]


def put(target, data):
    data = data[:MAX]
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def rule_examples():
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "*.yml"))):
        with open(path) as f:
            doc = yaml.safe_load(f)
        for r in doc.get("rules", []):
            for ex in r.get("examples", []) or []:
                yield r, (ex["text"] if isinstance(ex, dict) else ex).encode()
            for ex in r.get("examples_hex", []) or []:
                yield r, bytes.fromhex(ex["hex"])


def main():
    # glob: "pattern\0path"
    for pat, path in [("*.tf", "infra/prod/main.tf"), ("infra/**/main.tf", "infra/a/b/main.tf"),
                      ("**/docs/**", "x/docs/a.md"), ("file[!0-9].txt", "file7.txt"),
                      ("/top.txt", "top.txt"), ("a\\*b", "a*b"), ("[]-]x", "]x"),
                      ("*a*a*a*a*a*b", "a" * 200), ("**a**a**a**a**b", "a/" * 100),
                      ("**/**/**/**/x", "a/b/c/d/e/f/x"), ("secrets/[", "secrets/["),
                      ("?*?*?*?*?*b", "a" * 64)]:
        put("glob", pat.encode() + b"\0" + path.encode())
    # conf: first byte 0 document, 1 rules, 2 policy, 3 vocabulary
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "*.yml")))[:8]:
        put("conf", b"\x01" + open(path, "rb").read())
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "policy", "*.yml"))):
        put("conf", b"\x02" + open(path, "rb").read())
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "vocab", "*.yml")))[:4]:
        put("conf", b"\x03" + open(path, "rb").read())
    for doc in [b"a: 1\nb: [1, 2, {c: d}]\n", b'{"x": [1, 2.5, null, true]}',
                b"a: &x [1, 2]\nb: *x\n", b"k: v\nk: w\n", b"[" * 70 + b"]" * 70,
                b"- a\n- b\n---\n- c\n"]:
        put("conf", b"\x00" + doc)
    # ignore files and baselines
    for text in [b"# comment\npath:docs/**  # examples\nrule:generic.*  # noisy\n",
                 b"fingerprint:0123456789abcdef0123456789abcdef  # known expires=2030-01-01\n",
                 b"path:secrets/[  # unclosed\n", b"a*b*c*d*e*f  # glob\n",
                 b"!negated  # no\n", b"path:x\n"]:
        put("ignore", text)
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "cases", "*",
                                              "expected.out")))[:40]:
        data = open(path, "rb").read()
        if data.startswith(b"{"):
            put("ignore", data)
    # credential parsers: every rule example, for each parser that takes its kind
    p12 = []
    for rule, text in rule_examples():
        for i, (name, kinds) in enumerate(PARSERS):
            if rule["kind"] in kinds:
                put("detectors", bytes([i + len(PARSERS) * kinds.index(rule["kind"])]) + text)
        put("matcher", text)
    # the matcher: also the labelled corpus's inputs
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "corpus", "repo", "**", "*"),
                              recursive=True))[:150]:
        if os.path.isfile(path) and os.path.getsize(path) <= MAX:
            put("matcher", open(path, "rb").read())
    # inventories (and AWS XML pages, which start with '<')
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "inventory", "**", "*"),
                                 recursive=True)):
        if os.path.isfile(path):
            put("inventory", open(path, "rb").read())
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "cloud", "replay", "**", "*.xml"),
                                 recursive=True))[:30]:
        put("inventory", open(path, "rb").read())
    # loose objects: good ones, truncated, an endless header, a wrong size
    for body, kind in [(b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor t <t@e> 0 +0000\n"
                        b"committer t <t@e> 0 +0000\n\nx\n", b"commit"), (b"hello\n", b"blob"),
                       (b"", b"tree")]:
        raw = kind + b" " + str(len(body)).encode() + b"\0" + body
        z = zlib.compress(raw)
        put("loose", z)
        put("loose", z[:len(z) // 2])
        put("loose", z[:30])
    put("loose", zlib.compress(b"blob 99999999\0short"))
    put("loose", zlib.compress(b"blob " + b"9" * 30 + b"\0"))
    put("loose", zlib.compress(b"blob 5\0hello world"))
    put("loose", b"\x78\x9c" + b"\xff" * 40)


if __name__ == "__main__":
    main()
