#!/usr/bin/env bash
# Install what fallback-scan needs on Debian 12, in three sets.
# Idempotent: when everything is present it only checks (dpkg, one file) and exits.
#   scripts/setup.sh --runtime          what the binary needs to run: the shared libraries it
#                                       links, libcurl and libexpat (opened by the cloud
#                                       commands), CA certificates
#   scripts/setup.sh --build            compilers, CMake and the -dev packages (which bring the
#                                       runtime libraries): enough to build the binary with
#                                       cmake -DFBS_TESTS=OFF (package names also valid on
#                                       Ubuntu 24.04, unlike --runtime's versioned ones)
#   scripts/setup.sh                    everything: --build, plus the test tools (cmocka, clang,
#                                       clang-format, jsonschema, ripgrep, faketime, zsh, groff)
#                                       and the SARIF multitool (Node.js)
#   scripts/setup.sh --sarif-multitool  only the SARIF multitool (tests/sarif/run_sarif.py runs
#                                       this when the tool is missing)
# The Microsoft SARIF multitool (npm package @microsoft/sarif-multitool, a self-contained .NET
# binary) validates the SARIF reports in the test suite. It goes into .tools/sarif-multitool/ of
# this checkout (git-ignored); its path is printed by --sarif-multitool-path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

MULTITOOL_VERSION=5.7.0
MULTITOOL_DIR="$root/.tools/sarif-multitool"
MULTITOOL_PKG="$MULTITOOL_DIR/node_modules/@microsoft/sarif-multitool-linux"
MULTITOOL_BIN="$MULTITOOL_PKG/Sarif.Multitool"

RUNTIME_PKGS=(
    libgit2-1.5 libpcre2-8-0 libvectorscan5 libjansson4 libyaml-0-2 libssl3
    libcurl4 libexpat1 ca-certificates libpq5 zlib1g libdeflate0
)
BUILD_PKGS=(
    build-essential cmake pkg-config git
    libvectorscan-dev libpcre2-dev libjansson-dev libyaml-dev libssl-dev
    libgit2-dev libcurl4-openssl-dev libexpat1-dev libsqlite3-dev libpq-dev zlib1g-dev
    libdeflate-dev # the pack reader's inflate (optional: zlib does it without)
)
TEST_PKGS=(
    clang clang-format libcmocka-dev python3 python3-jsonschema python3-yaml ripgrep faketime
    python3-cryptography # tests/verify: GCP service-account keys made and their JWTs checked
    pre-commit zsh groff-base postgresql yamllint
    chromium poppler-utils # tests/html: the HTML report rendered and printed (headless)
)

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "setup: installing $*" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_packages() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

multitool_present() {
    [ -x "$MULTITOOL_BIN" ] &&
        grep -q "\"version\": *\"$MULTITOOL_VERSION\"" "$MULTITOOL_PKG/package.json" 2>/dev/null
}

install_multitool() {
    if multitool_present; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    echo "setup: installing @microsoft/sarif-multitool@$MULTITOOL_VERSION into $MULTITOOL_DIR" >&2
    mkdir -p "$MULTITOOL_DIR"
    # The package's postinstall only sets the execute bit, which is done below: npm may refuse to
    # run install scripts.
    npm install --prefix "$MULTITOOL_DIR" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "@microsoft/sarif-multitool@$MULTITOOL_VERSION" >&2
    chmod u+x "$MULTITOOL_BIN"
    multitool_present
}

case "${1:-}" in
--runtime)
    install_packages "${RUNTIME_PKGS[@]}"
    ;;
--build)
    install_packages "${BUILD_PKGS[@]}"
    ;;
--sarif-multitool)
    install_multitool
    ;;
--sarif-multitool-path)
    echo "$MULTITOOL_BIN"
    ;;
"")
    install_packages "${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    install_multitool
    ;;
*)
    echo "usage: scripts/setup.sh [--runtime | --build | --sarif-multitool |" \
        "--sarif-multitool-path]" >&2
    exit 2
    ;;
esac
