"""The corpus model: commits, file versions with marked secrets and negatives, rendering.

A file's text is a template. Two markers, removed when the file is written:

  ⟦S:id⟧ or ⟦S:id|opt,...⟧   the value of secret `id` is inserted here; the label's line is this
                             line (the line where the secret starts). Options: json (escape the
                             value as inside a JSON string: newlines become \\n), indent=N (indent
                             the value's continuation lines by N spaces), b64 (insert the base64 of
                             the value; the label then describes the encoded form).
  ⟦N:why⟧                    a hard negative starts here: the text after the marker on this line
                             is not a secret, for the reason given. The label's hint is the first
                             characters after the marker.

Secrets are declared once (Secret) and may be used in several places; every use is a label.
"""
import base64
import json
import re

MARK = re.compile(r"⟦([SN]):([^⟧]*)⟧")


class Secret:
    def __init__(self, value, kind, fallback, standing=False, note="", issued=None, expires=None):
        self.value = value
        self.kind = kind
        self.fallback = bool(fallback)
        self.standing = bool(standing)
        if self.standing and not self.fallback:
            raise ValueError("only fallback secrets can be standing access")
        self.note = note
        self.issued = issued    # the credential's own issue date (cert notBefore, JWT iat), if any
        self.expires = expires  # its own expiry (cert notAfter, JWT exp), if any


class Corpus:
    def __init__(self, now):
        self.now = now
        self.secrets = {}
        self.commits = []     # dicts: id, date, author, message, branch, write [(path, text)], remove
        self._by_id = {}

    def secret(self, sid, *a, **kw):
        if sid in self.secrets:
            raise ValueError("duplicate secret id " + sid)
        self.secrets[sid] = Secret(*a, **kw)
        return sid

    def commit(self, cid, date, author, message, branch="main", committer_date=None):
        if cid in self._by_id:
            raise ValueError("duplicate commit id " + cid)
        c = {"id": cid, "date": date, "committer_date": committer_date or date, "author": author,
             "message": message, "branch": branch, "write": [], "remove": []}
        self.commits.append(c)
        self._by_id[cid] = c
        return c

    def write(self, cid, path, text):
        self._by_id[cid]["write"].append((path, text))

    def remove(self, cid, path):
        self._by_id[cid]["remove"].append(path)


def _render_value(value, opts):
    v = value
    if "b64" in opts:
        v = base64.b64encode(v.encode()).decode()
    if "json" in opts:
        v = json.dumps(v)[1:-1]
    for o in opts:
        if o.startswith("indent="):
            v = v.replace("\n", "\n" + " " * int(o.split("=", 1)[1]))
    return v


def render(corpus, text):
    """(rendered text, [secret uses], [negatives]); a use: (sid, line, end_line, hint, col)."""
    out = []
    uses, negs = [], []
    pos = 0
    cur = ""
    for m in MARK.finditer(text):
        out.append(text[pos:m.start()])
        cur = "".join(out)
        line = cur.count("\n") + 1
        col = len(cur) - (cur.rfind("\n") + 1) + 1
        kind, arg = m.group(1), m.group(2)
        if kind == "S":
            parts = arg.split("|")
            sid = parts[0]
            opts = parts[1].split(",") if len(parts) > 1 else []
            if sid not in corpus.secrets:
                raise KeyError("unknown secret " + sid)
            v = _render_value(corpus.secrets[sid].value, opts)
            uses.append((sid, line, line + v.count("\n"), v[:4], col))
            out.append(v)
        else:
            after = text[m.end():m.end() + 40].split("\n", 1)[0]
            after = MARK.sub("", after)
            negs.append((arg, line, after[:4], col))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), uses, negs
