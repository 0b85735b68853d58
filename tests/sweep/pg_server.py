"""A throwaway PostgreSQL server for the tests: Debian's postgresql binaries, initdb + pg_ctl into
a temporary directory, listening only on a unix socket in that directory (no TCP port), run as a
non-root user (as root: 'nobody', through runuser; the directory is made theirs), stopped at the
end. find_bindir() is None when the binaries are missing (the test then skips with 77).
"""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

SUPERUSER = "fbs"


def find_bindir():
    env = os.environ.get("FBS_PG_BINDIR")
    cands = [env] if env else []
    cands += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in cands:
        if d and os.path.exists(os.path.join(d, "initdb")) and \
                os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    return None


class Server:
    def __init__(self, bindir):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="fbs-pg-")
        self.data = os.path.join(self.dir, "data")
        self.sock = self.dir
        self.prefix = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chmod(self.dir, 0o755)
            self.prefix = [shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin") or "runuser",
                           "-u", "nobody", "--"]
        self.port = 5432
        self.started = False

    def _run(self, *args, check=True):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "TZ": "UTC"}
        return subprocess.run(self.prefix + list(args), env=env, check=check,
                              capture_output=True, text=True, cwd=self.dir)

    def start(self):
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", SUPERUSER,
                  "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
        opts = "-c listen_addresses='' -c unix_socket_directories='%s' -c port=%d " \
               "-c fsync=off -c max_connections=60 -c shared_buffers=32MB" % (self.sock, self.port)
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l",
                  os.path.join(self.dir, "log"), "-o", opts, "-w", "-t", "60", "start")
        self.started = True
        return self

    def stop(self):
        if self.started:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate",
                      "-w", "stop", check=False)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db, user=SUPERUSER):
        return "postgresql://%s@/%s?host=%s&port=%d" % (user, db, self.sock, self.port)

    def psql(self, db, sql, user=SUPERUSER, check=True):
        """Run SQL; rows as lists of strings ('|'-separated columns)."""
        p = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-At", "-v",
                            "ON_ERROR_STOP=1", "-h", self.sock, "-p", str(self.port), "-U", user,
                            "-d", db, "-c", sql], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        if check and p.returncode != 0:
            raise RuntimeError("psql failed: %s: %s" % (sql, p.stderr))
        return [l.split("|") for l in p.stdout.splitlines() if l]

    def createdb(self, name):
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return self.url(name)

    def dump(self, db):
        p = subprocess.run([os.path.join(self.bindir, "pg_dump"), "-h", self.sock, "-p",
                            str(self.port), "-U", SUPERUSER, db], capture_output=True,
                           env={"PATH": "/usr/bin:/bin"})
        return p.stdout

    def size(self, db):
        return int(self.psql(db, "SELECT pg_database_size(current_database())")[0][0])


def wait_for(pred, timeout=60, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None
