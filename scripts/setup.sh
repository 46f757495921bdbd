#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine that has Swift: native libraries from apt and the
# pinned Python environment (.venv) used by the tests, notebooks and benchmarks.
# Usage: scripts/setup.sh [--no-python] [--with-browser]
# --with-browser (the test command) also installs Debian's chromium, which renders the
# `validate --report` HTML headless in Tests/python/test_validate_report.py.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libopenblas-dev liblapacke-dev libfftw3-dev libhdf5-dev pkg-config)
want_python=1
for argument in "$@"; do
    case "$argument" in
        --no-python) want_python=0 ;;
        --with-browser) apt_packages+=(chromium) ;;
        *) echo "setup: unknown option $argument (allowed --no-python, --with-browser)" >&2; exit 64 ;;
    esac
done
if [[ $want_python == 1 ]]; then apt_packages+=(python3 python3-venv python3-pip); fi

missing=()
for package in "${apt_packages[@]}"; do
    # python3 may come from elsewhere (pyenv); only ask apt when the command is really missing.
    case "$package" in
        python3) command -v python3 >/dev/null 2>&1 && continue ;;
        python3-venv) python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && continue ;;
        python3-pip) python3 -m pip --version >/dev/null 2>&1 && continue ;;
    esac
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if (( ${#missing[@]} )); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""; [[ $(id -u) != 0 ]] && sudo="sudo"
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi

if [[ $want_python == 1 ]]; then
    requirements=Tests/python/requirements.txt
    stamp=.venv/.requirements.sha256
    digest=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [[ ! -f $stamp || "$(cat "$stamp")" != "$digest" ]]; then
        echo "setup: creating .venv from $requirements" >&2
        python3 -m venv .venv
        .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
        echo "$digest" > "$stamp"
    fi
fi
