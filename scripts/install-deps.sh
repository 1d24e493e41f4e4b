#!/usr/bin/env bash
# Installs the Debian packages platlas needs, skipping those already present.
# Run as root (or with sudo) on Debian 12. Safe to run repeatedly.
set -euo pipefail

packages=(pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
          libopenblas-dev liblapacke-dev munge slurm-wlm python3 python3-h5py python3-numpy
          python3-matplotlib procps iproute2 util-linux)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present" >&2
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
        echo "install-deps: missing packages (${missing[*]}) and not root; install them and rerun" >&2
        exit 1
    fi
else
    SUDO=
fi

echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
