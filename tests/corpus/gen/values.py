"""Fake credential values in realistic formats, for the labelled corpus (make_corpus.py).

Every value here is random and made up: none of it is, or was, a real credential. Token-shaped
values follow their provider's format (prefix, length, alphabet) and, where the format has one,
a valid checksum (GitHub and npm tokens end with a base62 CRC32 of their random part), so that
a scanner's validators accept them. Everything, key material included (RSA primes, EC and
Ed25519 private scalars, certificate serials; RSA signatures are deterministic), comes from one
seeded generator, so that regenerating the corpus reproduces it byte for byte.
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import string
import zlib

R = random.Random(20261123)

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"

# Substrings a value must not contain: they would make it look like a placeholder or an example
# by accident (the corpus has deliberate placeholders elsewhere).
_AVOID = ("example", "xxxx", "dummy", "test", "fake", "1234", "abcd", "secret", "token",
          "passw", "...", "****", "sample", "redact", "insert", "your", "chang", "replace")


def _ok(s):
    low = s.lower()
    return not any(a in low for a in _AVOID)


def rnd(alphabet, n):
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        if _ok(s):
            return s


def b62_encode(n, width):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def github_token(prefix):
    """ghp_/gho_/ghs_/ghu_/ghr_/npm_ + 30 base62 + base62 CRC32 of those 30 (6 chars)."""
    while True:
        body = rnd(ALNUM, 30)
        tok = prefix + body + b62_encode(zlib.crc32(body.encode()), 6)
        if _ok(tok):
            return tok


def github_pat_fine():
    return "github_pat_11" + rnd(string.ascii_uppercase + string.digits, 20) + "_" + rnd(ALNUM, 59)


def github_token_bad_crc(prefix):
    tok = github_token(prefix)
    last = tok[-1]
    return tok[:-1] + ("A" if last != "A" else "B")


def aws_key_id(prefix="AKIA"):
    return prefix + rnd(B32, 16)


def aws_secret():
    while True:
        s = rnd(B64, 40)
        if s[0] not in "+/" and any(c.isdigit() for c in s):
            return s


def password(n=20, symbols="!#%*+-=?@^_"):
    """A generated password: letters, digits and some symbols; starts with a letter."""
    while True:
        s = R.choice(string.ascii_letters) + rnd(string.ascii_letters + string.digits + symbols, n - 1)
        if (any(c.isdigit() for c in s) and any(c in symbols for c in s)
                and any(c.isupper() for c in s) and any(c.islower() for c in s)):
            return s


def human_password():
    """A password a person picked: two words, digits, a symbol."""
    words = ["Harbor", "Copper", "Lantern", "Meadow", "Falcon", "Granite", "Juniper", "Orchid",
             "Tundra", "Saffron", "Quartz", "Willow", "Cobalt", "Ember", "Summit", "Basalt"]
    return R.choice(words) + R.choice(words).lower() + str(R.randint(10, 99)) + R.choice("!#%*?@") + str(R.randint(100, 999))


def url_password(n=24):
    """A password that is safe inside a URL (no @ / : ? # %)."""
    return password(n, symbols="-_~")


def hex_str(n):
    return rnd(HEX, n)


def slack_bot():
    return "xoxb-%d-%d-%s" % (R.randint(10 ** 11, 10 ** 12 - 1), R.randint(10 ** 12, 10 ** 13 - 1), rnd(ALNUM, 24))


def slack_user():
    return "xoxp-%d-%d-%d-%s" % (R.randint(10 ** 11, 10 ** 12 - 1), R.randint(10 ** 11, 10 ** 12 - 1),
                                 R.randint(10 ** 12, 10 ** 13 - 1), hex_str(32))


def slack_webhook():
    return "https://hooks.slack.com/services/T%s/B%s/%s" % (rnd(string.ascii_uppercase + string.digits, 8),
                                                             rnd(string.ascii_uppercase + string.digits, 10),
                                                             rnd(ALNUM, 24))


def stripe(prefix="sk_live_", n=99):
    return prefix + rnd(ALNUM, n)


def stripe_whsec():
    return "whsec_" + rnd(ALNUM, 32)


def sendgrid():
    return "SG." + rnd(B64URL.replace("-", ""), 22) + "." + rnd(B64URL, 43)


def gitlab_pat():
    return "glpat-" + rnd(ALNUM + "-_", 20)


def gitlab_runner():
    return "glrt-" + rnd(ALNUM + "_", 20)


def gitlab_trigger():
    return "glptt-" + hex_str(40)


def gitlab_deploy():
    return "gldt-" + rnd(ALNUM, 20)


def npm_token():
    return github_token("npm_")


def pypi_token():
    return "pypi-AgEIcHlwaS5vcmc" + rnd(B64URL, 140)


def vault_hvs():
    return "hvs.CAESI" + rnd(B64URL, 86)


def vault_legacy():
    return "s." + rnd(ALNUM, 24)


def vault_share_b64():
    return base64.b64encode(bytes(R.getrandbits(8) for _ in range(33))).decode()


def vault_share_hex():
    return bytes(R.getrandbits(8) for _ in range(33)).hex()


def b64_to_hex(b):
    return base64.b64decode(b).hex()


def gcp_api_key():
    return "AIza" + rnd(ALNUM + "-_", 35)


def dd_key(n=32):
    return hex_str(n)


def twilio_token():
    return hex_str(32)


def openai_key():
    return "sk-proj-" + rnd(B64URL, 74) + "T3BlbkFJ" + rnd(B64URL, 74)


def anthropic_key():
    return "sk-ant-api03-" + rnd(B64URL, 93) + "AA"


def hf_token():
    return "hf_" + rnd(string.ascii_letters, 34)


def dockerhub_pat():
    return "dckr_pat_" + rnd(B64URL, 27)


def grafana_sa():
    return "glsa_" + rnd(ALNUM, 32) + "_" + hex_str(8)


def databricks():
    return "dapi" + hex_str(32)


def tfc_token():
    return rnd(ALNUM, 14) + ".atlasv1." + rnd(ALNUM, 67)


def datadog_api():
    return hex_str(32)


def newrelic_user():
    return "NRAK-" + rnd(string.ascii_uppercase + string.digits, 27)


def totp_seed(n=32):
    return rnd(B32, n)


def github_recovery_codes(n=16):
    return [hex_str(5) + "-" + hex_str(5) for _ in range(n)]


def google_backup_codes(n=10):
    return ["%04d %04d" % (R.randint(0, 9999), R.randint(0, 9999)) for _ in range(n)]


def okta_recovery_codes(n=10):
    return [rnd(string.ascii_uppercase + string.digits, 4) + "-" + rnd(string.ascii_uppercase + string.digits, 4)
            for _ in range(n)]


def pam_scratch_codes(n=5):
    return ["%08d" % R.randint(10000000, 99999999) for _ in range(n)]


def uuid4():
    h = hex_str(32)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], R.choice("89ab"), h[17:20], h[20:32])


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def b64url_nopad(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def ts(s):
    """'2026-11-21T08:00:00Z' -> epoch seconds."""
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


def jwt_hs256(claims):
    header = {"alg": "HS256", "typ": "JWT"}
    h = b64url_nopad(json.dumps(header, separators=(",", ":")).encode())
    p = b64url_nopad(json.dumps(claims, separators=(",", ":")).encode())
    key = bytes(R.getrandbits(8) for _ in range(32))
    sig = hmac.new(key, (h + "." + p).encode(), hashlib.sha256).digest()
    return h + "." + p + "." + b64url_nopad(sig)


def jwt_rs256_unsigned(claims, kid):
    """RS256-shaped token with a random 2048-bit 'signature' (nobody can verify it: fake)."""
    header = {"alg": "RS256", "kid": kid}
    h = b64url_nopad(json.dumps(header, separators=(",", ":")).encode())
    p = b64url_nopad(json.dumps(claims, separators=(",", ":")).encode())
    sig = bytes(R.getrandbits(8) for _ in range(256))
    return h + "." + p + "." + b64url_nopad(sig)


def sha512_crypt_like():
    """A string in the $6$ (SHA-512 crypt) shape: a password hash, not a password."""
    alpha = string.ascii_letters + string.digits + "./"
    return "$6$" + rnd(alpha, 16) + "$" + rnd(alpha, 86)


def bcrypt_like():
    alpha = string.ascii_letters + string.digits + "./"
    return "$2b$12$" + rnd(alpha, 53)


def sha256_hex():
    return hex_str(64)


def git_sha():
    return hex_str(40)


def sri_sha512():
    return "sha512-" + base64.b64encode(bytes(R.getrandbits(8) for _ in range(64))).decode()


# ---------------------------------------------------------------------------------------------
# Key material (cryptography), derived from the same seeded generator: regenerating the corpus
# gives the same keys and certificates byte for byte.

def _crypto():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.x509.oid import NameOID
    return x509, hashes, serialization, ec, ed25519, rsa, NameOID


def _is_probable_prime(n, rounds=40):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(rounds):
        a = R.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits, e=65537):
    while True:
        n = R.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (n - 1) % e and _is_probable_prime(n):
            return n


def rsa_key(bits=2048):
    _, _, _, _, _, rsa, _ = _crypto()
    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        if p != q and (p * q).bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    n, phi = p * q, (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    nums = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n))
    return nums.private_key()


def ec_key():
    _, _, _, ec, _, _, _ = _crypto()
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(R.randrange(1, order), ec.SECP256R1())


def pem_pkcs1(key):
    _, _, ser, _, _, _, _ = _crypto()
    return key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL,
                             ser.NoEncryption()).decode().rstrip("\n")


def pem_pkcs8(key):
    _, _, ser, _, _, _, _ = _crypto()
    return key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()).decode().rstrip("\n")


def _sshstr(b):
    return len(b).to_bytes(4, "big") + b


def openssh_ed25519(comment):
    """(unencrypted OpenSSH private key, public line), in the openssh-key-v1 format."""
    _, _, ser, _, ed25519, _, _ = _crypto()
    seed = bytes(R.getrandbits(8) for _ in range(32))
    k = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    pub = k.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    blob = _sshstr(b"ssh-ed25519") + _sshstr(pub)
    check = R.getrandbits(32).to_bytes(4, "big")
    priv = check + check + blob + _sshstr(seed + pub) + _sshstr(comment.encode())
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    raw = (b"openssh-key-v1\0" + _sshstr(b"none") + _sshstr(b"none") + _sshstr(b"") +
           (1).to_bytes(4, "big") + _sshstr(blob) + _sshstr(priv))
    b = base64.b64encode(raw).decode()
    body = "\n".join(b[i:i + 70] for i in range(0, len(b), 70))
    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + body + "\n-----END OPENSSH PRIVATE KEY-----"
    return pem, "ssh-ed25519 " + base64.b64encode(blob).decode() + " " + comment


def public_key_pem(key):
    _, _, ser, _, _, _, _ = _crypto()
    return key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode().rstrip("\n")


def _name(NameOID, x509, cn, o=None, ou=None):
    attrs = []
    if o:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def certificate(key, cn, not_before, not_after, o=None, ou=None, issuer=None, issuer_key=None,
                ca=False, client=False, server_dns=None):
    """PEM certificate for key's public half; self-signed unless issuer (cert) + issuer_key."""
    x509, hashes, ser, _, _, _, NameOID = _crypto()
    from cryptography.x509.oid import ExtendedKeyUsageOID
    subject = _name(NameOID, x509, cn, o, ou)
    iss_name = issuer.subject if issuer is not None else subject
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(iss_name)
         .public_key(key.public_key()).serial_number(R.getrandbits(63))
         .not_valid_before(dt.datetime.strptime(not_before, "%Y-%m-%dT%H:%M:%SZ"))
         .not_valid_after(dt.datetime.strptime(not_after, "%Y-%m-%dT%H:%M:%SZ")))
    b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=1 if ca else None), critical=True)
    if ca:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                          key_encipherment=False, data_encipherment=False,
                                          key_agreement=False, key_cert_sign=True, crl_sign=True,
                                          encipher_only=False, decipher_only=False), critical=True)
    if client:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    if server_dns:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in server_dns]), critical=False)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    cert = b.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())
    return cert, cert.public_bytes(ser.Encoding.PEM).decode().rstrip("\n")
