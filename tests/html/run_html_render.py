#!/usr/bin/env python3
"""The HTML report as a browser renders and prints it (headless Chromium, Debian's `chromium`).

The demo repository (scripts/demo-repo.sh: dated commits, so the scan is reproducible with a
pinned --now) is scanned twice, as JSON and as HTML. The HTML page is then
  1. loaded with `--dump-dom`: the DOM holds no script, no external resource, and the inline SVG
     chart;
  2. printed with the command docs/report.md documents (`--print-to-pdf`): the PDF must have
     fewer than MAX_PAGES pages (the demo's 58 findings took 88-93 pages before the print
     stylesheet);
  3. read back from the PDF as laid-out text (`pdftotext -layout`, poppler-utils): in the
     rendered layout every label sits on the same line as its value - each JSON Web Token's
     Issuer (iss), Issued at (iat) and Expires (exp) are followed by the values the JSON report
     has for that token (the old float layout shifted them by a row), and every card's
     "Finding id" by a finding id of the JSON report; the overview table lists the entries
     numbered 1..N with their risks in non-increasing order, and its first risk is the highest
     risk of the JSON report;
  4. screenshotted (`--screenshot`) into --shots DIR when given, for people to look at.
Exit 77 (skipped) only when no Chromium is installed; a missing pdftotext is a failure
(scripts/setup.sh installs poppler-utils with the test packages).

  run_html_render.py --bin build/fallback-scan --src . [--shots DIR]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

NOW = "2026-12-01T00:00:00Z"
MAX_PAGES = 20


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, **kw)


def chromium(binary, profile, args, page):
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--user-data-dir=" + profile] + args + ["file://" + page]
    p = run(cmd, timeout=180)
    if p.returncode != 0:
        raise SystemExit("FAIL chromium %s: exit %d\n%s" % (" ".join(args), p.returncode,
                                                             p.stderr.decode(errors="replace")))
    return p.stdout.decode("utf-8", errors="replace")


def page_count(pdf):
    if shutil.which("pdfinfo"):
        out = run(["pdfinfo", pdf]).stdout.decode(errors="replace")
        m = re.search(r"^Pages:\s+(\d+)", out, re.M)
        if m:
            return int(m.group(1))
    with open(pdf, "rb") as fp:
        return len(re.findall(rb"/Type\s*/Page(?!s)", fp.read()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--shots")
    args = ap.parse_args()

    binary = chromium_binary()
    if not binary:
        print("skip: no chromium (apt-get install chromium)")
        return 77
    if not shutil.which("pdftotext"):
        print("FAIL pdftotext is missing (apt-get install poppler-utils)")
        return 1

    failures = []

    def check(ok, what, detail=""):
        print(("ok   " if ok else "FAIL ") + what + ("" if ok else "\n     " + detail))
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="fbs-html-") as tmp:
        repo = os.path.join(tmp, "demo-repo")
        p = run([os.path.join(args.src, "scripts", "demo-repo.sh"), repo])
        if p.returncode != 0:
            print("FAIL demo-repo.sh: " + p.stderr.decode(errors="replace"))
            return 1
        page = os.path.join(tmp, "report.html")
        scans = {}
        for fmt in ("json", "html"):
            p = run([args.bin, "scan", repo, "--quiet", "--now", NOW, "--format", fmt])
            if p.returncode != 1:
                print("FAIL scan --format %s: exit %d\n%s" % (fmt, p.returncode,
                                                             p.stderr.decode(errors="replace")))
                return 1
            scans[fmt] = p.stdout
        with open(page, "wb") as fp:
            fp.write(scans["html"])
        report = json.loads(scans["json"])
        findings = report["findings"]
        profile = os.path.join(tmp, "profile")

        # 1. The DOM: self-contained, with its chart.
        dom = chromium(binary, profile, ["--dump-dom"], page)
        check("<svg" in dom and "Findings by verdict and severity" in dom,
              "dom: inline SVG chart of findings by verdict and severity")
        check(not re.search(r"<script|\bsrc=|<link\b|url\(|@import", dom, re.I),
              "dom: no script, no external resource")
        check("other_locations" not in dom and "age_from" not in dom,
              "dom: plain labels (no internal keys)")

        # 2. Printed: the page count.
        pdf = os.path.join(tmp, "report.pdf")
        chromium(binary, profile, ["--no-pdf-header-footer", "--print-to-pdf=" + pdf], page)
        pages = page_count(pdf)
        print("     printed: %d pages for %d findings" % (pages, len(findings)))
        check(0 < pages < MAX_PAGES, "pdf: fewer than %d pages" % MAX_PAGES, "%d pages" % pages)

        # 3. The layout as printed: labels beside their values.
        p = run(["pdftotext", "-layout", pdf, "-"])
        text = p.stdout.decode("utf-8", errors="replace")
        lines = text.splitlines()

        def on_one_line(label, value):
            pat = re.compile(re.escape(label) + r"\s+" + re.escape(value))
            return any(pat.search(line) for line in lines)

        jwts = [f for f in findings if isinstance((f.get("facts") or {}).get("jwt"), dict)]
        check(len(jwts) >= 2, "demo has JSON Web Tokens with claims", "%d" % len(jwts))
        for f in jwts:
            claims = f["facts"]["jwt"]
            for label, key in (("Issuer (iss)", "iss"), ("Issued at (iat)", "iat"),
                               ("Expires (exp)", "exp")):
                value = claims.get(key)
                value = "unknown" if value is None else str(value)
                if key == "iss" and len(value) > 40:
                    value = value[:40]
                check(on_one_line(label, value), "layout: %s beside %r (%s)" %
                      (label, value, f["location"].get("path")),
                      "\n     ".join(l for l in lines if label in l))
        ids = {f["id"] for f in findings}
        shown = set(re.findall(r"Finding id\s+([0-9a-f]{32})", text))
        check(shown and shown <= ids,
              "layout: every card's Finding id beside an id of the JSON report",
              "%d shown, %d unknown" % (len(shown), len(shown - ids)))

        # The overview: numbered 1..N, risks not increasing, the highest first.
        rows = []
        for line in lines:
            m = re.match(r"\s*(\d+)\s+(Standing access|Fallback|Secret)\s+(\d+)\s+"
                         r"(critical|high|medium|low|info)\b", line)
            if m:
                rows.append((int(m.group(1)), int(m.group(3))))
        numbers = [n for n, _ in rows]
        risks = [r for _, r in rows]
        check(len(rows) > 0 and numbers == list(range(1, len(rows) + 1)),
              "overview: %d entries numbered 1..N in order" % len(rows), repr(numbers[:20]))
        check(risks == sorted(risks, reverse=True), "overview: sorted by risk", repr(risks))
        top = max(f["risk"]["score"] for f in findings if f.get("risk"))
        check(risks and risks[0] == top, "overview: the highest risk first",
              "%r vs %r" % (risks[:1], top))

        # 4. Screenshots for people.
        if args.shots:
            os.makedirs(args.shots, exist_ok=True)
            for name, size in (("overview", "1280,1800"), ("full", "1280,12000")):
                chromium(binary, profile, ["--window-size=" + size, "--hide-scrollbars",
                                           "--screenshot=" + os.path.join(args.shots,
                                                                          name + ".png")], page)
            shutil.copy(pdf, os.path.join(args.shots, "report.pdf"))
            shutil.copy(page, os.path.join(args.shots, "report.html"))
            print("     screenshots in " + args.shots)

    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
